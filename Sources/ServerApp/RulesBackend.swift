import AlertHooks
import AlertStore
import Events
import Foundation
import HTTPAPI
import Rules

/// The HTTP API's rules, detectors and alerts routes over the server's rule catalog and events service.
struct ServerRulesBackend: RulesAPIBackend {
    let catalog: RuleCatalog
    let events: EventsService

    func rules() async throws -> [RuleDefinition] { catalog.all }
    func rule(named name: String) async throws -> RuleDefinition? { catalog.rule(named: name) }

    func createRule(_ definition: RuleDefinition) async throws {
        try mapped { try catalog.create(definition) }
    }

    func replaceRule(named name: String, with definition: RuleDefinition) async throws {
        try mapped { try catalog.replace(name: name, with: definition) }
    }

    func deleteRule(named name: String) async throws {
        try mapped { try catalog.delete(name: name) }
    }

    func setRuleEnabled(named name: String, _ enabled: Bool) async throws -> RuleDefinition {
        try mapped { try catalog.setEnabled(name: name, enabled) }
    }

    func mapped<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as RuleCatalogError {
            switch e {
            case .notFound(let n): throw RulesAPIError(.notFound, "rule_not_found", "rule \(n) not found")
            case .alreadyExists(let n): throw RulesAPIError(.conflict, "rule_exists", "a rule named \(n) exists")
            case .nameMismatch: throw RulesAPIError(.badRequest, "name_mismatch", e.description)
            }
        } catch let e as ServerAppError {
            if case .dataDirectory = e { throw RulesAPIError(.internalServerError, "storage", e.description) }
            throw RulesAPIError(.badRequest, "invalid_rule", e.description)
        }
    }

    func detectors() async throws -> [DetectorDefinition] { try await events.storedDetectors() }

    func createDetector(_ definition: DetectorDefinition) async throws {
        let stored: Bool
        do { stored = try await events.saveDetector(definition, replace: false) } catch let e as EventsError {
            throw RulesAPIError(.badRequest, "invalid_detector", e.description)
        } catch let e as AlertStoreError {
            if case .invalidDefinition = e { throw RulesAPIError(.badRequest, "invalid_detector", e.description) }
            throw e
        }
        guard stored else { throw RulesAPIError(.conflict, "detector_exists", "a detector with id \(definition.id) exists") }
    }

    func deleteDetector(id: String) async throws -> Bool { try await events.deleteDetector(id: id) }

    func alerts(state: AlertState?, deviceEUI: String?, detectorID: String?, limit: Int, offset: Int) async throws -> (items: [Alert], total: Int) {
        try await events.alerts(state: state, device: deviceEUI, detectorID: detectorID, limit: limit, offset: offset)
    }

    func alert(id: String) async throws -> Alert? { try await events.alert(id: id) }

    func acknowledgeAlert(id: String, by: String?) async throws -> Alert {
        guard let known = try await events.alert(id: id) else { throw RulesAPIError(.notFound, "alert_not_found", "alert \(id) not found") }
        guard known.state == .firing else {
            if known.state == .acknowledged { return known }
            throw RulesAPIError(.conflict, "alert_resolved", "alert \(id) is resolved")
        }
        return try await events.acknowledge(id: id, by: by)?.alert ?? known
    }

    func resolveAlert(id: String, message: String?) async throws -> Alert {
        guard let known = try await events.alert(id: id) else { throw RulesAPIError(.notFound, "alert_not_found", "alert \(id) not found") }
        guard known.isOpen else { return known }
        return try await events.resolve(id: id, message: message)?.alert ?? known
    }
}
