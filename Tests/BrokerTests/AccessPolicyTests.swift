@testable import Broker
import Testing

@Suite("Access policy and authentication")
struct AccessPolicyTests {
    let policy = AccessPolicy(rules: [
        AccessRule(effect: .deny, action: .subscribe, topic: "secret/#", role: "anonymous"),
        AccessRule(effect: .allow, action: .publish, topic: "sensors/+/temp", username: "writer"),
        AccessRule(effect: .deny, action: .publish, topic: "sensors/#"),
    ])

    @Test("rules: first match wins; deny overlaps, allow covers")
    func rules() {
        #expect(!policy.maySubscribe(.anonymous, filter: "secret/a"))
        #expect(!policy.maySubscribe(.anonymous, filter: "#"))
        #expect(policy.maySubscribe(.admin(username: "x"), filter: "secret/a"))
        #expect(policy.mayPublish(.application(id: "1", username: "writer"), topic: "sensors/a/temp"))
        #expect(!policy.mayPublish(.application(id: "1", username: "other"), topic: "sensors/a/temp"))
        #expect(!policy.mayPublish(.admin(username: "writer2"), topic: "sensors/a/hum"))
        #expect(policy.mayPublish(.anonymous, topic: "free/x"))
        #expect(!AccessPolicy(rules: [], defaultEffect: .deny).mayPublish(.anonymous, topic: "x"))
    }

    @Test("application isolation")
    func isolation() {
        let p = AccessPolicy(rules: [])
        let app1 = Principal.application(id: "1", username: "u")
        #expect(p.mayPublish(app1, topic: "application/1/device/x/event/up"))
        #expect(!p.mayPublish(app1, topic: "application/2/device/x/event/up"))
        #expect(!p.mayPublish(app1, topic: "application/10/x"))
        #expect(!p.mayPublish(.anonymous, topic: "application/1/x"))
        #expect(p.maySubscribe(app1, filter: "application/+/x"))
        #expect(!p.mayReceive(app1, topic: "application/2/x"))
        #expect(p.mayReceive(.admin(username: "a"), topic: "application/2/x"))
    }

    @Test("analysts subscribe to and receive everything and publish nothing")
    func analyst() {
        let p = AccessPolicy(rules: [])
        let n = Principal.analyst(username: "n")
        #expect(n.role == "analyst" && n.username == "n")
        #expect(p.maySubscribe(n, filter: "application/2/#"))
        #expect(p.maySubscribe(n, filter: "#"))
        #expect(p.mayReceive(n, topic: "application/2/device/x/event/up"))
        #expect(!p.mayPublish(n, topic: "application/2/device/x/command/down"))
        #expect(!p.mayPublish(n, topic: "free/x"))
        // An explicit allow rule does not make an analyst a publisher.
        #expect(!AccessPolicy(rules: [AccessRule(effect: .allow, action: .publish, topic: "#", role: "analyst")]).mayPublish(n, topic: "x"))
        // Deny rules still apply to its subscriptions.
        #expect(!AccessPolicy(rules: [AccessRule(effect: .deny, action: .subscribe, topic: "secret/#", role: "analyst")]).maySubscribe(n, filter: "secret/a"))
    }

    @Test("configuration authenticator")
    func authenticator() {
        var c = BrokerConfiguration()
        c.users = [
            BrokerUser(username: "adm", password: "pw", role: "admin"),
            // SHA-256("pw2") — computed with Python's hashlib for this test.
            BrokerUser(username: "app", passwordSHA256: "93915a0a4bf8f634cb1856494dd4304472ad46b9827f541f76b6761c49cc55b0",
                       role: "application", applicationID: "7"),
            BrokerUser(username: "ro", password: "pw3", role: "analyst"),
        ]
        let a = ConfigurationAuthenticator(configuration: c)
        func auth(_ u: String?, _ p: String?) -> Principal? {
            a.principal(for: AuthenticationRequest(clientIdentifier: "c", username: u, password: p.map { Array($0.utf8) }))
        }
        #expect(auth("adm", "pw") == .admin(username: "adm"))
        #expect(auth("adm", "wrong") == nil)
        #expect(auth("app", "pw2") == .application(id: "7", username: "app"))
        #expect(auth("nobody", "pw") == nil)
        #expect(auth("ro", "pw3") == .analyst(username: "ro"))
        #expect(auth(nil, nil) == nil)
        c.allowAnonymous = true
        #expect(ConfigurationAuthenticator(configuration: c).principal(for: AuthenticationRequest(clientIdentifier: "c", username: nil, password: nil)) == .anonymous)
    }
}
