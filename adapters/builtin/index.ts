/**
 * The packaged offline data: recordings shipped in the repository (`adapters/builtin/*.json`) and replayed through
 * ccxt exactly like any recording. Today: one Deribit BTC chain, reconstructed in Deribit wire format from a real
 * 878-option export of 2026-05-26 (see `build.ts` for how, and the file's `notes` for what is real).
 */
import { join } from 'node:path';
import { UnknownInstrumentError } from '../errors.js';
import type { Venue } from '../model.js';
import { readRecordingFile, type Recording } from '../recording.js';
import { builtinDir } from './paths.js';

export interface BuiltinDataset {
  venue: Venue;
  underlying: string;
  file: string;
  /** Short label for outputs. */
  label: string;
}

export const BUILTIN_DATASETS: readonly BuiltinDataset[] = [
  {
    venue: 'deribit',
    underlying: 'BTC',
    file: 'deribit-BTC-2026-05-26.json',
    label: 'builtin: Deribit BTC 2026-05-26T19:27:44Z (reconstructed from real values)',
  },
];

export function findBuiltinDataset(venue: Venue, underlying: string): BuiltinDataset {
  const found = BUILTIN_DATASETS.find((d) => d.venue === venue && d.underlying === underlying);
  if (!found) {
    const have = BUILTIN_DATASETS.map((d) => `${d.venue} ${d.underlying}`).join(', ');
    throw new UnknownInstrumentError(venue, underlying, `no built-in data for it; built-in data exists for: ${have}`);
  }
  return found;
}

const cache = new Map<string, Recording>();

/** The packaged recording for a venue and underlying (read once, then cached). */
export function builtinRecording(venue: Venue, underlying: string): { dataset: BuiltinDataset; recording: Recording } {
  const dataset = findBuiltinDataset(venue, underlying);
  const path = join(builtinDir(), dataset.file);
  let recording = cache.get(path);
  if (!recording) {
    recording = readRecordingFile(path);
    cache.set(path, recording);
  }
  return { dataset, recording };
}

export function builtinPath(dataset: BuiltinDataset): string {
  return join(builtinDir(), dataset.file);
}
