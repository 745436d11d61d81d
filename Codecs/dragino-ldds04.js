// Dragino LDDS04 4-channel ultrasonic distance sensor.
// Written for Lorikeet from Dragino's public LDDS04 user manual, §2.4 "Uplink Payload"
// (11 bytes, big-endian):
//   bytes 0–1  bit 15: interrupt uplink flag; bits 13–0: battery voltage in mV
//   bytes 2–9  distance of ultrasonic sensors 1–4, uint16 / 10 cm each
//   byte  10   message type
function u16(b, i) { return (b[i] << 8) | b[i + 1]; }

function decodeUplink(input) {
  const b = input.bytes;
  if (b.length !== 11) return { errors: [`expected 11 bytes, got ${b.length}`], warnings: [] };
  const data = {
    battery_voltage: (u16(b, 0) & 0x3fff) / 1000,
    interrupt: (b[0] & 0x80) !== 0,
    message_type: b[10],
  };
  for (let k = 0; k < 4; k++) data[`distance_${k + 1}_cm`] = u16(b, 2 + 2 * k) / 10;
  return { data, warnings: [], errors: [] };
}
