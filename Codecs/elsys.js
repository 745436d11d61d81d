// Elsys ERS family (ERS, ERS Lite, ERS CO2, ERS Eye …) — Elsys generic payload.
// Written for Lorikeet from Elsys' public "Elsys LoRa payload" documentation (type table:
// type byte followed by a big-endian value whose size the type fixes).
//   0x01 temperature  2 bytes int16 / 10 °C      0x02 humidity  1 byte %RH
//   0x03 acceleration 3 bytes x, y, z int8 (63 = 1 G)
//   0x04 light        2 bytes lux               0x05 motion    1 byte count (PIR)
//   0x06 co2          2 bytes ppm               0x07 vdd       2 bytes mV
//   0x08 analog1      2 bytes mV                0x0a pulse1    2 bytes relative count
//   0x0b pulse1_abs   4 bytes absolute count    0x0c external temperature 2 bytes int16 / 10 °C
//   0x0d digital      1 byte                    0x0e distance  2 bytes mm
//   0x0f acc_motion   1 byte count              0x11 occupancy 1 byte
//   0x12 waterleak    1 byte                    0x14 pressure  4 bytes / 1000 hPa
// Uplinks arrive on fPort 5.

function be(bytes, i, n) { let v = 0; for (let k = 0; k < n; k++) v = v * 256 + bytes[i + k]; return v; }
function signed(v, bits) { return v >= 2 ** (bits - 1) ? v - 2 ** bits : v; }

const TYPES = {
  0x01: ["temperature", 2, (b, i) => signed(be(b, i, 2), 16) / 10],
  0x02: ["humidity", 1, (b, i) => b[i]],
  0x03: ["acceleration", 3, (b, i) => ({ x: signed(b[i], 8), y: signed(b[i + 1], 8), z: signed(b[i + 2], 8) })],
  0x04: ["light", 2, (b, i) => be(b, i, 2)],
  0x05: ["motion", 1, (b, i) => b[i]],
  0x06: ["co2", 2, (b, i) => be(b, i, 2)],
  0x07: ["vdd", 2, (b, i) => be(b, i, 2)],
  0x08: ["analog1", 2, (b, i) => be(b, i, 2)],
  0x0a: ["pulse1", 2, (b, i) => be(b, i, 2)],
  0x0b: ["pulse1_abs", 4, (b, i) => be(b, i, 4)],
  0x0c: ["external_temperature", 2, (b, i) => signed(be(b, i, 2), 16) / 10],
  0x0d: ["digital", 1, (b, i) => b[i]],
  0x0e: ["distance", 2, (b, i) => be(b, i, 2)],
  0x0f: ["acc_motion", 1, (b, i) => b[i]],
  0x11: ["occupancy", 1, (b, i) => b[i]],
  0x12: ["waterleak", 1, (b, i) => b[i]],
  0x14: ["pressure", 4, (b, i) => be(b, i, 4) / 1000],
};

function decodeUplink({ bytes }) {
  const data = {};
  let i = 0;
  while (i < bytes.length) {
    const type = TYPES[bytes[i]];
    if (type === undefined) {
      return { errors: [`unknown type 0x${bytes[i].toString(16).padStart(2, "0")} at byte ${i}`], warnings: [] };
    }
    const [name, size, read] = type;
    if (i + 1 + size > bytes.length) {
      return { errors: [`${name} at byte ${i} needs ${size} bytes`], warnings: [] };
    }
    data[name] = read(bytes, i + 1);
    i += 1 + size;
  }
  return { data, warnings: [], errors: [] };
}
