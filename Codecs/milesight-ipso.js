// Milesight EM300-TH / AM103 (and other Milesight sensors using the same layout).
// Written for Lorikeet from Milesight's public payload documentation:
//   EM300 series user guide, §5 "Device Payload" (channel/type/data records, data little-endian),
//   AM100 series "Uplink Data" table (docs: milesight.com/products/docs/en/am103/protocol).
// Layout: repeated [channel (1 byte)][type (1 byte)][data (N bytes, little-endian)].
//   ff 01 protocol version (1) · ff 09 hardware version (2) · ff 0a software version (2)
//   ff 0b power on (1) · ff 0f device class (1) · ff 16 serial number (8)
//   01 75 battery level, uint8 %       · 03 67 temperature, int16 / 10 °C
//   04 68 humidity, uint8 / 2 %RH      · 07 7d CO2, uint16 ppm
// Downlink (fPort 85): ff 03 + uint16 LE seconds sets the reporting interval.

const CLASSES = ["Class A", "Class B", "Class C", "Class C to B"];

function u16le(bytes, i) { return bytes[i] | (bytes[i + 1] << 8); }
function i16le(bytes, i) { const v = u16le(bytes, i); return v > 0x7fff ? v - 0x10000 : v; }
function hex(bytes) { return bytes.map((b) => b.toString(16).padStart(2, "0")).join(""); }
function version(bytes, i) { return `v${bytes[i]}.${bytes[i + 1]}`; }

// (channel << 8 | type) → [name, size, reader]
const RECORDS = new Map([
  [0xff01, ["protocol_version", 1, (b, i) => b[i]]],
  [0xff09, ["hardware_version", 2, version]],
  [0xff0a, ["software_version", 2, version]],
  [0xff0b, ["power_on", 1, () => true]],
  [0xff0f, ["device_class", 1, (b, i) => CLASSES[b[i]] ?? `unknown (${b[i]})`]],
  [0xff16, ["serial_number", 8, (b, i) => hex(b.slice(i, i + 8))]],
  [0xff18, ["sensor_status", 2, (b, i) => b[i + 1]]],
  [0x0175, ["battery", 1, (b, i) => b[i]]],
  [0x0367, ["temperature", 2, (b, i) => i16le(b, i) / 10]],
  [0x0468, ["humidity", 1, (b, i) => b[i] / 2]],
  [0x077d, ["co2", 2, (b, i) => u16le(b, i)]],
]);

function decodeRecords(bytes) {
  const data = {};
  const warnings = [];
  let i = 0;
  while (i + 2 <= bytes.length) {
    const record = RECORDS.get((bytes[i] << 8) | bytes[i + 1]);
    if (record === undefined) {
      warnings.push(`unknown channel/type ${hex([bytes[i], bytes[i + 1]])} at byte ${i}; rest ignored`);
      return { data, warnings, errors: [] };
    }
    const [name, size, read] = record;
    if (i + 2 + size > bytes.length) {
      return { errors: [`${name} at byte ${i} needs ${size} bytes`], warnings };
    }
    data[name] = read(bytes, i + 2);
    i += 2 + size;
  }
  if (i !== bytes.length) warnings.push("trailing byte ignored");
  return { data, warnings, errors: [] };
}

function decodeUplink(input) {
  return decodeRecords(input.bytes);
}

function encodeDownlink(input) {
  const seconds = input.data?.reporting_interval;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 0xffff) {
    return { errors: ["reporting_interval must be an integer number of seconds, 1–65535"] };
  }
  return { bytes: [0xff, 0x03, seconds & 0xff, seconds >> 8], fPort: 85, warnings: [], errors: [] };
}

function decodeDownlink(input) {
  const b = input.bytes;
  if (b.length === 4 && b[0] === 0xff && b[1] === 0x03) {
    return { data: { reporting_interval: u16le(b, 2) }, warnings: [], errors: [] };
  }
  return { errors: ["unknown downlink command"], warnings: [] };
}
