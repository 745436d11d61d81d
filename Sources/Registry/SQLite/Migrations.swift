/// The registry's schema as named migrations. A shipped migration never changes: new columns or
/// tables come as new entries at the end (GRDB's `DatabaseMigrator` discipline).
enum Migrations {
    static let all: [(name: String, sql: String)] = [
        ("0001_registry", """
        CREATE TABLE applications (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE device_profiles (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            region TEXT NOT NULL,
            mac_version TEXT NOT NULL,
            body TEXT NOT NULL
        );
        CREATE TABLE devices (
            dev_eui TEXT PRIMARY KEY,
            join_eui TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            application_id TEXT NOT NULL REFERENCES applications(id),
            device_profile_id TEXT NOT NULL REFERENCES device_profiles(id),
            body TEXT NOT NULL,
            join_nonce INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX devices_application ON devices(application_id);
        CREATE TABLE gateways (
            gateway_eui TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            latitude REAL,
            longitude REAL,
            altitude REAL,
            last_seen INTEGER
        );
        """),
        ("0002_sessions", """
        CREATE TABLE device_sessions (
            dev_eui TEXT PRIMARY KEY REFERENCES devices(dev_eui) ON DELETE CASCADE,
            dev_addr INTEGER NOT NULL,
            f_cnt_up INTEGER,
            state TEXT NOT NULL
        );
        CREATE INDEX device_sessions_dev_addr ON device_sessions(dev_addr);
        CREATE TABLE dev_nonces (
            dev_eui TEXT NOT NULL REFERENCES devices(dev_eui) ON DELETE CASCADE,
            join_eui TEXT NOT NULL,
            dev_nonce INTEGER NOT NULL,
            PRIMARY KEY (dev_eui, join_eui, dev_nonce)
        );
        CREATE TABLE device_queue (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            dev_eui TEXT NOT NULL REFERENCES devices(dev_eui) ON DELETE CASCADE,
            f_port INTEGER NOT NULL,
            data BLOB NOT NULL,
            confirmed INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER
        );
        CREATE INDEX device_queue_device ON device_queue(dev_eui, id);
        CREATE TABLE uplinks (
            id INTEGER PRIMARY KEY,
            time INTEGER NOT NULL,
            dev_eui TEXT NOT NULL,
            dev_addr TEXT NOT NULL,
            f_cnt INTEGER NOT NULL,
            f_port INTEGER,
            dr INTEGER NOT NULL,
            frequency INTEGER NOT NULL,
            rssi INTEGER NOT NULL,
            snr REAL NOT NULL,
            gateway_count INTEGER NOT NULL,
            confirmed INTEGER NOT NULL,
            size INTEGER NOT NULL
        );
        CREATE INDEX uplinks_device_time ON uplinks(dev_eui, time);
        """),
        ("0003_access", """
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            application_id TEXT REFERENCES applications(id),
            secret_hash TEXT NOT NULL UNIQUE,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE device_groups (
            id TEXT PRIMARY KEY,
            application_id TEXT NOT NULL REFERENCES applications(id),
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX device_groups_application ON device_groups(application_id);
        CREATE TABLE device_group_members (
            group_id TEXT NOT NULL REFERENCES device_groups(id) ON DELETE CASCADE,
            dev_eui TEXT NOT NULL REFERENCES devices(dev_eui) ON DELETE CASCADE,
            PRIMARY KEY (group_id, dev_eui)
        );
        CREATE INDEX device_group_members_device ON device_group_members(dev_eui);
        """),
        // A counter every change to what the network server caches moves (from any connection or
        // process): a cache entry read at the current value is still right.
        ("0004_change_generation", """
        CREATE TABLE registry_generation (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
        INSERT INTO registry_generation(id, value) VALUES (1, 0);
        CREATE TRIGGER applications_updated AFTER UPDATE ON applications BEGIN UPDATE registry_generation SET value = value + 1; END;
        CREATE TRIGGER applications_deleted AFTER DELETE ON applications BEGIN UPDATE registry_generation SET value = value + 1; END;
        CREATE TRIGGER device_profiles_updated AFTER UPDATE ON device_profiles BEGIN UPDATE registry_generation SET value = value + 1; END;
        CREATE TRIGGER device_profiles_deleted AFTER DELETE ON device_profiles BEGIN UPDATE registry_generation SET value = value + 1; END;
        CREATE TRIGGER devices_updated AFTER UPDATE OF join_eui, name, application_id, device_profile_id, body ON devices BEGIN UPDATE registry_generation SET value = value + 1; END;
        CREATE TRIGGER devices_deleted AFTER DELETE ON devices BEGIN UPDATE registry_generation SET value = value + 1; END;
        """),
    ]
}
