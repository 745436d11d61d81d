import LoRaWAN

extension ChannelPlan {
    /// The lowest and highest frequency any plan may name (Hz): a guard against unit mistakes such as
    /// MHz or kHz written where Hz are expected.
    static let plausibleFrequencies = 100_000_000...1_100_000_000

    /// Loads and validates one channel plan from the bytes of a `Regions/` JSON file.
    ///
    /// The caller reads the file; this function does no I/O. Every field is checked (type, range,
    /// cross-references such as "the RX2 data rate exists and is a downlink data rate"), and the
    /// first problem found is thrown with the file name and the JSON path of the field.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents (UTF-8 JSON).
    ///   - fileName: the name used in error messages, e.g. "EU868.json".
    /// - Throws: ``RegionalParametersError/invalidJSON(file:reason:)`` or
    ///   ``RegionalParametersError/invalidField(file:path:reason:)``, e.g.
    ///   `EU868.json: dataRates[3].spreadingFactor: expected an integer 5…12, found 13`.
    public static func load(from bytes: some Collection<UInt8>, fileName: String) throws(RegionalParametersError) -> ChannelPlan {
        let json: JSONValue
        do {
            json = try JSONParser.parse(Array(bytes))
        } catch {
            throw .invalidJSON(file: fileName, reason: error.message)
        }
        return try ChannelPlan(root: JSONField(value: json, file: fileName, path: ""))
    }

    init(root: JSONField) throws(RegionalParametersError) {
        try root.rejectUnknownKeys([
            "id", "name", "specification", "kind", "frequencyRange", "dataRates", "uplinkChannels",
            "joinChannels", "downlinkChannels", "rx1", "rx2", "maxPayloadSizes", "txPower", "cfListType",
            "channelMaskScheme", "timing", "dwellTime", "classB", "notes", "extraChannels", "enabledUplinkChannels",
        ])
        id = try root.required("id").string()
        guard !id.isEmpty else { throw try root.required("id").error("expected a non-empty string") }
        name = try root.required("name").string()
        specification = try root.required("specification").string()
        let kindField = try root.required("kind")
        guard let kind = Kind(rawValue: try kindField.string(oneOf: Kind.allCases.map(\.rawValue))) else {
            throw kindField.error("invalid kind")
        }
        self.kind = kind

        // Frequency range.
        let rangeField = try root.required("frequencyRange")
        try rangeField.rejectUnknownKeys(["min", "max"])
        let minimum = try rangeField.required("min").int(in: Self.plausibleFrequencies, what: "a frequency in Hz")
        let maximumField = try rangeField.required("max")
        let maximum = try maximumField.int(in: Self.plausibleFrequencies, what: "a frequency in Hz")
        guard minimum <= maximum else { throw maximumField.error("must not be below frequencyRange.min (\(minimum))") }
        let band = minimum...maximum
        frequencyRange = band

        // Data rates.
        var dataRates: [Int: DataRate] = [:]
        for field in try root.required("dataRates").array(minimumCount: 1, maximumCount: 16) {
            let dataRate = try Self.parseDataRate(field)
            guard dataRates[dataRate.index] == nil else {
                throw try field.required("index").error("duplicate data rate DR\(dataRate.index)")
            }
            dataRates[dataRate.index] = dataRate
        }
        self.dataRates = dataRates.values.sorted { $0.index < $1.index }

        func checkDataRate(_ field: JSONField, uplink: Bool? = nil, downlink: Bool? = nil) throws(RegionalParametersError) -> Int {
            let index = try field.int(in: 0...15, what: "a data rate index")
            guard let dataRate = dataRates[index] else { throw field.error("data rate DR\(index) is not defined in dataRates") }
            if uplink == true, !dataRate.uplink { throw field.error("DR\(index) is not an uplink data rate") }
            if downlink == true, !dataRate.downlink { throw field.error("DR\(index) is not a downlink data rate") }
            return index
        }
        func checkFrequency(_ field: JSONField) throws(RegionalParametersError) -> Int {
            let frequency = try field.int(in: Self.plausibleFrequencies, what: "a frequency in Hz")
            guard band.contains(frequency) else {
                throw field.error("frequency \(frequency) Hz is outside frequencyRange \(minimum)…\(maximum)")
            }
            return frequency
        }
        func parseChannels(_ field: JSONField, uplink: Bool) throws(RegionalParametersError) -> [Channel] {
            var channels: [Channel] = []
            for group in try field.array() {
                try group.rejectUnknownKeys(["frequency", "step", "count", "minDataRate", "maxDataRate"])
                let frequency = try checkFrequency(try group.required("frequency"))
                let step = try group.optional("step")?.int(in: 0...10_000_000, what: "a step in Hz") ?? 0
                let countField = try group.optional("count")
                let count = try countField?.int(in: 1...96, what: "a channel count") ?? 1
                let minDataRateField = try group.required("minDataRate")
                let minDR = try checkDataRate(minDataRateField, uplink: uplink ? true : nil, downlink: uplink ? nil : true)
                let maxField = try group.required("maxDataRate")
                let maxDR = try checkDataRate(maxField, uplink: uplink ? true : nil, downlink: uplink ? nil : true)
                guard minDR <= maxDR else { throw maxField.error("must not be below minDataRate (DR\(minDR))") }
                let last = frequency + step * (count - 1)
                guard band.contains(last) else {
                    throw (countField ?? group).error("the group's last channel (\(last) Hz) is outside frequencyRange \(minimum)…\(maximum)")
                }
                for k in 0..<count {
                    channels.append(Channel(frequency: frequency + step * k, minDataRate: minDR, maxDataRate: maxDR))
                }
            }
            return channels
        }

        // Channels.
        let uplinkField = try root.required("uplinkChannels")
        uplinkChannels = try parseChannels(uplinkField, uplink: true)
        guard !uplinkChannels.isEmpty else { throw uplinkField.error("expected at least one channel") }
        let joinField = try root.required("joinChannels")
        joinChannels = try parseChannels(joinField, uplink: true)
        guard !joinChannels.isEmpty else { throw joinField.error("expected at least one channel") }
        if let downlinkField = try root.optional("downlinkChannels") {
            downlinkChannels = try parseChannels(downlinkField, uplink: false)
        } else {
            downlinkChannels = []
        }
        if Set(uplinkChannels.map(\.frequency)).count != uplinkChannels.count {
            throw uplinkField.error("two uplink channels have the same frequency")
        }

        // Channel mask scheme and CFList type must agree with the kind and the channel count.
        let schemeField = try root.required("channelMaskScheme")
        guard let scheme = ChannelMaskScheme(rawValue: try schemeField.string(oneOf: ChannelMaskScheme.allCases.map(\.rawValue))) else {
            throw schemeField.error("invalid scheme")
        }
        channelMaskScheme = scheme
        switch (kind, scheme) {
        case (.dynamic, .dynamic16):
            guard uplinkChannels.count <= 16 else { throw uplinkField.error("a dynamic plan has at most 16 channels, found \(uplinkChannels.count)") }
        case (.fixed, .fixed64Plus8):
            guard uplinkChannels.count == 72 else { throw uplinkField.error("channel mask scheme fixed64+8 needs exactly 72 uplink channels, found \(uplinkChannels.count)") }
        case (.fixed, .fixed64):
            guard uplinkChannels.count == 64 else { throw uplinkField.error("channel mask scheme fixed64 needs exactly 64 uplink channels, found \(uplinkChannels.count)") }
        default:
            throw schemeField.error("scheme \(scheme.rawValue) does not fit a \(kind.rawValue) plan")
        }
        let cfListField = try root.required("cfListType")
        let cfListRaw = try cfListField.int(in: 0...1, what: "a CFList type")
        cfListType = cfListRaw == 0 ? .frequencies : .channelMask
        guard (kind == .dynamic) == (cfListType == .frequencies) else {
            throw cfListField.error("a \(kind.rawValue) plan uses CFList type \(kind == .dynamic ? 0 : 1)")
        }

        // RX1.
        let rx1Field = try root.required("rx1")
        try rx1Field.rejectUnknownKeys(["channel", "modulo", "dataRates", "dataRatesDownlinkDwellTime"])
        let ruleField = try rx1Field.required("channel")
        switch try ruleField.string(oneOf: ["sameAsUplink", "downlinkChannelModulo"]) {
        case "sameAsUplink":
            guard kind == .dynamic else { throw ruleField.error("a fixed plan maps RX1 to downlink channels (downlinkChannelModulo)") }
            rx1ChannelRule = .sameAsUplink
        default:
            guard kind == .fixed else { throw ruleField.error("a dynamic plan uses sameAsUplink") }
            guard !downlinkChannels.isEmpty else {
                throw RegionalParametersError.invalidField(file: root.file, path: "downlinkChannels", reason: "a fixed plan needs downlink channels")
            }
            let moduloField = try rx1Field.required("modulo")
            let modulo = try moduloField.int(in: 1...downlinkChannels.count, what: "a modulo")
            rx1ChannelRule = .downlinkChannelModulo(modulo)
        }
        func parseRX1Table(_ field: JSONField) throws(RegionalParametersError) -> [Int: [Int]] {
            var table: [Int: [Int]] = [:]
            var width: Int?
            for row in try field.array(minimumCount: 1) {
                try row.rejectUnknownKeys(["uplinkDataRate", "downlinkDataRates"])
                let upField = try row.required("uplinkDataRate")
                let up = try checkDataRate(upField, uplink: true)
                guard table[up] == nil else { throw upField.error("duplicate row for DR\(up)") }
                let columns = try row.required("downlinkDataRates").array(minimumCount: 1, maximumCount: 8)
                if let width, columns.count != width {
                    throw try row.required("downlinkDataRates").error("expected \(width) entries like the first row, found \(columns.count)")
                }
                width = columns.count
                var downs: [Int] = []
                for column in columns { downs.append(try checkDataRate(column, downlink: true)) }
                table[up] = downs
            }
            for dataRate in dataRates.values where dataRate.uplink && table[dataRate.index] == nil {
                throw field.error("no row for uplink data rate DR\(dataRate.index)")
            }
            return table
        }
        rx1DataRates = try parseRX1Table(try rx1Field.required("dataRates"))
        if let dwellField = try rx1Field.optional("dataRatesDownlinkDwellTime") {
            let table = try parseRX1Table(dwellField)
            guard table.values.first?.count == rx1DataRates.values.first?.count else {
                throw dwellField.error("must have as many RX1DROffset columns as rx1.dataRates")
            }
            rx1DataRatesDownlinkDwellTime = table
        } else {
            rx1DataRatesDownlinkDwellTime = nil
        }

        // RX2.
        let rx2Field = try root.required("rx2")
        try rx2Field.rejectUnknownKeys(["frequency", "dataRate", "joinChannelFrequencies"])
        rx2 = RXWindow(frequency: try checkFrequency(try rx2Field.required("frequency")),
                       dataRate: try checkDataRate(try rx2Field.required("dataRate"), downlink: true))
        if let byJoinField = try rx2Field.optional("joinChannelFrequencies") {
            let entries = try byJoinField.array(minimumCount: joinChannels.count, maximumCount: joinChannels.count)
            var frequencies: [Int] = []
            for entry in entries { frequencies.append(try checkFrequency(entry)) }
            rx2FrequenciesByJoinChannel = frequencies
        } else {
            rx2FrequenciesByJoinChannel = []
        }

        // Maximum payload sizes.
        var tables: [MaxPayloadSizeTable] = []
        let payloadField = try root.required("maxPayloadSizes")
        for tableField in try payloadField.array(minimumCount: 1, maximumCount: 4) {
            try tableField.rejectUnknownKeys(["dwellTime", "repeaterCompatible", "sizes"])
            let dwell = try tableField.required("dwellTime").bool()
            let repeater = try tableField.required("repeaterCompatible").bool()
            guard !tables.contains(where: { $0.dwellTime == dwell && $0.repeaterCompatible == repeater }) else {
                throw tableField.error("duplicate table for dwellTime \(dwell), repeaterCompatible \(repeater)")
            }
            var sizes: [Int: MaxPayloadSize] = [:]
            for entry in try tableField.required("sizes").array(minimumCount: 1, maximumCount: 16) {
                try entry.rejectUnknownKeys(["dataRate", "m", "n"])
                let drField = try entry.required("dataRate")
                let dr = try checkDataRate(drField)
                guard sizes[dr] == nil else { throw drField.error("duplicate entry for DR\(dr)") }
                let m = try entry.required("m").int(in: 0...250, what: "a size in bytes")
                let nField = try entry.required("n")
                let n = try nField.int(in: 0...242, what: "a size in bytes")
                guard n <= m else { throw nField.error("N (\(n)) must not exceed M (\(m))") }
                sizes[dr] = MaxPayloadSize(m: m, n: n)
            }
            tables.append(MaxPayloadSizeTable(dwellTime: dwell, repeaterCompatible: repeater, sizes: sizes))
        }
        guard tables.contains(where: { !$0.dwellTime && !$0.repeaterCompatible }) else {
            throw payloadField.error("needs a table with dwellTime false and repeaterCompatible false")
        }
        maxPayloadSizeTables = tables

        // TX power.
        let txField = try root.required("txPower")
        try txField.rejectUnknownKeys(["maxEIRP", "offsets"])
        maxEIRP = try txField.required("maxEIRP").double(in: -10...40)
        var offsets: [Double] = []
        for field in try txField.required("offsets").array(minimumCount: 1, maximumCount: 15) {
            let offset = try field.double(in: -40...0)
            if offsets.isEmpty, offset != 0 { throw field.error("TXPower 0 is max EIRP: its offset must be 0") }
            if let previous = offsets.last, offset >= previous { throw field.error("offsets must decrease with the index") }
            offsets.append(offset)
        }
        txPowerOffsets = offsets

        // Timing.
        let timingField = try root.required("timing")
        try timingField.rejectUnknownKeys(["receiveDelay1", "receiveDelay2", "joinAcceptDelay1", "joinAcceptDelay2"])
        receiveDelay1 = try timingField.required("receiveDelay1").int(in: 1000...15000, what: "milliseconds")
        let rd2 = try timingField.required("receiveDelay2")
        receiveDelay2 = try rd2.int(in: 2000...16000, what: "milliseconds")
        guard receiveDelay2 == receiveDelay1 + 1000 else { throw rd2.error("RECEIVE_DELAY2 must be RECEIVE_DELAY1 + 1000 ms") }
        joinAcceptDelay1 = try timingField.required("joinAcceptDelay1").int(in: 1000...15000, what: "milliseconds")
        let jad2 = try timingField.required("joinAcceptDelay2")
        joinAcceptDelay2 = try jad2.int(in: 2000...16000, what: "milliseconds")
        guard joinAcceptDelay2 == joinAcceptDelay1 + 1000 else { throw jad2.error("JOIN_ACCEPT_DELAY2 must be JOIN_ACCEPT_DELAY1 + 1000 ms") }

        // Dwell time defaults.
        let dwellField = try root.required("dwellTime")
        try dwellField.rejectUnknownKeys(["uplinkDefault", "downlinkDefault"])
        defaultUplinkDwellTime = try dwellField.required("uplinkDefault").bool()
        defaultDownlinkDwellTime = try dwellField.required("downlinkDefault").bool()

        // Class B.
        let classBField = try root.required("classB")
        try classBField.rejectUnknownKeys(["beacon", "pingSlot"])
        func parseClassB(_ field: JSONField) throws(RegionalParametersError) -> ClassBChannel {
            try field.rejectUnknownKeys(["frequency", "step", "count", "dataRate"])
            let frequency = try checkFrequency(try field.required("frequency"))
            let step = try field.optional("step")?.int(in: 0...10_000_000, what: "a step in Hz") ?? 0
            let countField = try field.optional("count")
            let count = try countField?.int(in: 1...64, what: "a channel count") ?? 1
            guard band.contains(frequency + step * (count - 1)) else {
                throw (countField ?? field).error("the last hopping frequency is outside frequencyRange")
            }
            let dataRate = try checkDataRate(try field.required("dataRate"), downlink: true)
            return ClassBChannel(frequency: frequency, step: step, count: count, dataRate: dataRate)
        }
        beacon = try parseClassB(try classBField.required("beacon"))
        pingSlot = try parseClassB(try classBField.required("pingSlot"))

        _ = try root.optional("notes")?.string()

        // Network choices: extra channels (dynamic plans) and the enabled channel set.
        if let extraField = try root.optional("extraChannels") {
            guard kind == .dynamic else { throw extraField.error("only dynamic plans add channels; fixed plans use enabledUplinkChannels") }
            let extra = try parseChannels(extraField, uplink: true)
            guard uplinkChannels.count + extra.count <= 16 else {
                throw extraField.error("default and extra channels together exceed 16 (\(uplinkChannels.count) + \(extra.count))")
            }
            let all = uplinkChannels.map(\.frequency) + extra.map(\.frequency)
            guard Set(all).count == all.count else { throw extraField.error("an extra channel repeats a channel frequency") }
            extraChannels = extra
        } else {
            extraChannels = []
        }
        let channelCount = uplinkChannels.count + extraChannels.count
        if let enabledField = try root.optional("enabledUplinkChannels") {
            var enabled = Set<Int>()
            for entry in try enabledField.array(minimumCount: 1, maximumCount: 96) {
                let channel = try entry.int(in: 0...(channelCount - 1), what: "a channel index")
                guard enabled.insert(channel).inserted else { throw entry.error("channel \(channel) is listed twice") }
            }
            enabledUplinkChannels = enabled
        } else {
            enabledUplinkChannels = Set(0..<channelCount)
        }
    }

    static func parseDataRate(_ field: JSONField) throws(RegionalParametersError) -> DataRate {
        let index = try field.required("index").int(in: 0...15, what: "a data rate index")
        let modulationField = try field.required("modulation")
        let modulation: Modulation
        switch try modulationField.string(oneOf: ["lora", "fsk", "lr-fhss"]) {
        case "lora":
            try field.rejectUnknownKeys(["index", "modulation", "spreadingFactor", "bandwidth", "uplink", "downlink"])
            let sf = try field.required("spreadingFactor").int(in: 5...12)
            let bandwidthField = try field.required("bandwidth")
            let bandwidth = try bandwidthField.int(in: 125_000...500_000, what: "a bandwidth in Hz")
            guard [125_000, 250_000, 500_000].contains(bandwidth) else {
                throw bandwidthField.error("expected 125000, 250000 or 500000, found \(bandwidth)")
            }
            modulation = .lora(spreadingFactor: sf, bandwidth: bandwidth, codeRate: "4/5")
        case "fsk":
            try field.rejectUnknownKeys(["index", "modulation", "bitrate", "frequencyDeviation", "uplink", "downlink"])
            let bitrate = try field.required("bitrate").int(in: 1...300_000, what: "a bit rate in bit/s")
            let deviation = try field.required("frequencyDeviation").int(in: 1...200_000, what: "a deviation in Hz")
            modulation = .fsk(bitrate: bitrate, frequencyDeviation: deviation)
        default:
            try field.rejectUnknownKeys(["index", "modulation", "codingRate", "occupiedChannelWidth", "gridSteps", "uplink", "downlink"])
            let codingRate = try field.required("codingRate").string(oneOf: ["1/3", "2/3"])
            let widthField = try field.required("occupiedChannelWidth")
            let width = try widthField.int(in: 1...2_000_000, what: "a width in Hz")
            guard [137_000, 336_000, 1_523_000].contains(width) else {
                throw widthField.error("expected 137000, 336000 or 1523000, found \(width)")
            }
            let gridSteps = try field.optional("gridSteps")?.int(in: 1...1000) ?? 0
            modulation = .lrFHSS(codingRate: codingRate, operatingChannelWidth: width, gridSteps: gridSteps)
        }
        let uplink = try field.required("uplink").bool()
        let downlinkField = try field.required("downlink")
        let downlink = try downlinkField.bool()
        guard uplink || downlink else { throw downlinkField.error("a data rate must be usable for uplink or downlink") }
        return DataRate(index: index, modulation: modulation, uplink: uplink, downlink: downlink)
    }
}
