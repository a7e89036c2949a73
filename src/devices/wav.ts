/**
 * RIFF/WAVE PCM encoding and decoding as pure functions (the file is written
 * by cli/ or tests). WAV stores 8-bit samples unsigned and 16-bit samples
 * signed little-endian, so PCM captured in the other signedness is converted
 * (bit 7 or bit 15 flipped) on the way in.
 */

export interface PcmFormat {
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  readonly bitsPerSample: 8 | 16;
}

export interface WavInput extends PcmFormat {
  /** Interleaved samples as played (little-endian for 16-bit). */
  readonly data: Uint8Array;
  /** Signedness of `data` (default: WAV's own: unsigned for 8-bit, signed for 16-bit). */
  readonly signed?: boolean;
}

const HEADER = 44;

/** Encode PCM as a canonical 44-byte-header WAV file. */
export function encodeWav(w: WavInput): Uint8Array {
  if (!Number.isInteger(w.sampleRate) || w.sampleRate <= 0) throw new RangeError(`encodeWav: sampleRate must be a positive integer, got ${w.sampleRate}`);
  if (w.channels !== 1 && w.channels !== 2) throw new RangeError(`encodeWav: channels must be 1 or 2, got ${String(w.channels)}`);
  if (w.bitsPerSample !== 8 && w.bitsPerSample !== 16) throw new RangeError(`encodeWav: bitsPerSample must be 8 or 16, got ${String(w.bitsPerSample)}`);
  const blockAlign = (w.channels * w.bitsPerSample) / 8;
  // Only whole frames go into the file.
  const dataLen = w.data.length - (w.data.length % blockAlign);
  const out = new Uint8Array(HEADER + dataLen + (dataLen & 1));
  const dv = new DataView(out.buffer);
  const ascii = (off: number, s: string): void => {
    for (let i = 0; i < s.length; i++) out[off + i] = s.charCodeAt(i);
  };
  ascii(0, "RIFF");
  dv.setUint32(4, out.length - 8, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  dv.setUint32(16, 16, true);
  dv.setUint16(20, 1, true); // WAVE_FORMAT_PCM
  dv.setUint16(22, w.channels, true);
  dv.setUint32(24, w.sampleRate, true);
  dv.setUint32(28, w.sampleRate * blockAlign, true);
  dv.setUint16(32, blockAlign, true);
  dv.setUint16(34, w.bitsPerSample, true);
  ascii(36, "data");
  dv.setUint32(40, dataLen, true);
  out.set(w.data.subarray(0, dataLen), HEADER);
  const wavSigned = w.bitsPerSample === 16;
  if (w.signed !== undefined && w.signed !== wavSigned) flipSign(out.subarray(HEADER, HEADER + dataLen), w.bitsPerSample);
  return out;
}

export interface DecodedWav extends PcmFormat {
  /** Samples as stored in the file (8-bit unsigned, 16-bit signed LE). */
  readonly data: Uint8Array;
}

/** Decode a PCM WAV (the chunks encodeWav writes, skipping unknown ones). TypeError when it is not one. */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (off: number): string => String.fromCharCode(...bytes.subarray(off, off + 4));
  if (bytes.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") throw new TypeError("decodeWav: not a RIFF/WAVE file");
  let off = 12;
  let fmt: PcmFormat | null = null;
  while (off + 8 <= bytes.length) {
    const id = tag(off);
    const len = dv.getUint32(off + 4, true);
    const body = off + 8;
    if (id === "fmt ") {
      if (dv.getUint16(body, true) !== 1) throw new TypeError("decodeWav: not PCM");
      const channels = dv.getUint16(body + 2, true);
      const bits = dv.getUint16(body + 14, true);
      if ((channels !== 1 && channels !== 2) || (bits !== 8 && bits !== 16)) throw new TypeError(`decodeWav: unsupported format (${channels} channels, ${bits} bits)`);
      fmt = { sampleRate: dv.getUint32(body + 4, true), channels, bitsPerSample: bits };
    } else if (id === "data") {
      if (fmt === null) throw new TypeError("decodeWav: data chunk before fmt chunk");
      return { ...fmt, data: bytes.subarray(body, Math.min(bytes.length, body + len)) };
    }
    off = body + len + (len & 1);
  }
  throw new TypeError("decodeWav: no data chunk");
}

function flipSign(b: Uint8Array, bits: 8 | 16): void {
  // Not a hot path: runs once when a capture is written out.
  const step = bits / 8;
  for (let i = step - 1; i < b.length; i += step) b[i] = (b[i] as number) ^ 0x80;
}
