/** Schemas the workforce routes share. */
import { z } from 'zod';
import { isValidYmd } from './rules/dates.js';

export const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
/** A client-generated UUID (v4 expected; any RFC 4122 form accepted), compared case-insensitively. */
export const ClientId = z.uuid().describe('client-generated UUID; a repeat with the same content answers the first result');
export const Iso = z.iso.datetime({ offset: true }).describe('ISO 8601 with offset (the phone clock)');
export const YmdZ = z.string().refine(isValidYmd, 'must be a date YYYY-MM-DD');
export const MonthZ = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM');
export const GridPrefix = z.string().regex(/^\d{6,20}$/).describe('a street or community code: only workers under it');
