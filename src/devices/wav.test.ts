import { describe, expect, it } from "vitest";
import { decodeWav, encodeWav } from "./wav.ts";

describe("WAV encoding", () => {
  it("writes a 44-byte PCM header with the format and round-trips the samples", () => {
    const data = Uint8Array.from({ length: 400 }, (_, i) => i & 0xff);
    const w = encodeWav({ sampleRate: 44100, channels: 2, bitsPerSample: 16, data });
    expect(w.length).toBe(444);
    const dv = new DataView(w.buffer);
    expect(String.fromCharCode(...w.subarray(0, 4))).toBe("RIFF");
    expect(dv.getUint32(4, true)).toBe(436);
    expect(dv.getUint32(24, true)).toBe(44100);
    expect(dv.getUint32(28, true)).toBe(176400);
    expect(dv.getUint16(32, true)).toBe(4);
    expect(dv.getUint32(40, true)).toBe(400);
    const d = decodeWav(w);
    expect([d.sampleRate, d.channels, d.bitsPerSample]).toEqual([44100, 2, 16]);
    expect(d.data).toEqual(data);
  });

  it("drops a trailing partial frame", () => {
    const w = encodeWav({ sampleRate: 8000, channels: 2, bitsPerSample: 16, data: new Uint8Array(10) });
    expect(decodeWav(w).data.length).toBe(8);
  });

  it("converts signed 8-bit PCM to WAV's unsigned 8-bit", () => {
    const w = encodeWav({ sampleRate: 8000, channels: 1, bitsPerSample: 8, data: Int8Array.of(0, -128, 127).reduce((a, v, i) => ((a[i] = v & 0xff), a), new Uint8Array(3)), signed: true });
    expect([...decodeWav(w).data]).toEqual([0x80, 0x00, 0xff]);
  });

  it("rejects bad formats and non-WAV input", () => {
    expect(() => encodeWav({ sampleRate: 0, channels: 1, bitsPerSample: 8, data: new Uint8Array(1) })).toThrow(RangeError);
    expect(() => decodeWav(new Uint8Array(12))).toThrow(TypeError);
  });
});
