// Dragino LHT65 temperature & humidity sensor (with optional external probe).
// Written for Lorikeet from Dragino's public LHT65 user manual, §2.4 "Uplink Payload" (11 bytes,
// big-endian, fPort 2) and §2.4.1–2.4.5:
//   bytes 0–1  BAT: bits 15–14 battery status (00 ultra low … 11 good), bits 13–0 voltage in mV
//   bytes 2–3  built-in temperature, int16 / 100 °C
//   bytes 4–5  built-in humidity, uint16 / 10 %RH
//   byte  6    external sensor type (0 none, 1 temperature probe DS18B20, …)
//   bytes 7–10 external sensor value; for type 1: int16 / 100 °C, 0x7FFF = no probe
// Downlink: 0x01 + 3-byte big-endian seconds sets the transmit interval (AT+TDC).

const BATTERY = ["ultra low", "low", "ok", "good"];

function s16(hi, lo) { const v = (hi << 8) | lo; return v > 0x7fff ? v - 0x10000 : v; }

function decodeUplink(input) {
  const b = input.bytes;
  if (b.length < 7) return { errors: [`expected at least 7 bytes, got ${b.length}`], warnings: [] };
  const data = {
    battery_voltage: (((b[0] << 8) | b[1]) & 0x3fff) / 1000,
    battery_status: BATTERY[b[0] >> 6],
    temperature: s16(b[2], b[3]) / 100,
    humidity: ((b[4] << 8) | b[5]) / 10,
  };
  const warnings = [];
  const ext = b[6] & 0x7f;
  if (ext === 1) {
    if (b.length < 9) return { errors: ["external temperature needs 2 more bytes"], warnings };
    const raw = s16(b[7], b[8]);
    if (raw === 0x7fff) warnings.push("external temperature probe not connected");
    else data.external_temperature = raw / 100;
  } else if (ext !== 0) {
    warnings.push(`external sensor type ${ext} is not decoded`);
  }
  return { data, warnings, errors: [] };
}

function encodeDownlink(input) {
  const seconds = input.data?.interval_seconds;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 0xffffff) {
    return { errors: ["interval_seconds must be an integer 1–16777215"] };
  }
  return { bytes: [0x01, (seconds >> 16) & 0xff, (seconds >> 8) & 0xff, seconds & 0xff], fPort: 2, warnings: [], errors: [] };
}

function decodeDownlink(input) {
  const b = input.bytes;
  if (b.length === 4 && b[0] === 0x01) return { data: { interval_seconds: (b[1] << 16) | (b[2] << 8) | b[3] }, warnings: [], errors: [] };
  return { errors: ["unknown downlink command"], warnings: [] };
}
