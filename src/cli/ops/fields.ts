/**
 * Field schemas shared by the batch ops and the CLI commands. Shapes and types are checked here; domains (a
 * positive strike, an ordered range) are checked by `pricing/`, whose errors name the field the same way.
 */
import { z } from 'zod';

export const finite = z.number({ error: 'expected a finite number' });
export const optionType = z.enum(['call', 'put'], { error: "expected 'call' or 'put'" });
/** Continuously compounded discount rate, decimal per year; 0 by default (crypto options are margined in kind). */
export const rate = finite.default(0);
export const requestId = z.union([z.string(), z.number(), z.null()]).optional();
