/// An application: a named group of devices whose data goes to the same integrations.
public struct Application: Codable, Sendable, Hashable {
    /// Stable identifier (letters, digits, `-`, `_`), used in MQTT topics.
    public var id: String
    public var name: String
    public var description: String

    public init(id: String, name: String, description: String = "") {
        self.id = id
        self.name = name
        self.description = description
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? id
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
    }
}
