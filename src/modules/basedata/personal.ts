import type { FieldCipher } from '../../infra/crypto/field-cipher.js';
import { AppError } from '../../infra/http/errors.js';
import { parseIdNumber, type Sex } from './rules/id-number.js';
import { maskIdNumber, maskPhone } from './rules/masking.js';
import { parsePhone } from './rules/phone.js';

/** An ID number ready to store: the clear value stays in memory only. */
export interface SealedId {
  cipher: string;
  bidx: string;
  birthDate: string;
  sex: Sex;
}

export interface SealedPhone {
  cipher: string;
  bidx: string;
}

/**
 * Personal data at the edge: validate, normalize, encrypt and index; and the
 * reverse for display (masked) or unmasking (clear, audited by the caller).
 * Plain values never leave through errors or logs.
 */
export class PersonalData {
  constructor(readonly cipher: FieldCipher) {}

  /** Throws a 400 with the ID rule's code. */
  sealId(raw: string, today: string): SealedId {
    const r = parseIdNumber(raw, today);
    if (!r.ok) throw new AppError(400, r.code, { field: 'idNumber' });
    return { cipher: this.cipher.encrypt(r.value), bidx: this.cipher.blindIndex(r.value), birthDate: r.birthDate, sex: r.sex };
  }

  /** The blind index of an ID number typed into a search box (400 when it cannot be one). */
  idIndex(raw: string, today: string): string {
    const r = parseIdNumber(raw, today);
    if (!r.ok) throw new AppError(400, r.code, { field: 'idNumber' });
    return this.cipher.blindIndex(r.value);
  }

  sealPhone(raw: string | null | undefined): SealedPhone | null {
    if (raw == null || raw.trim() === '') return null;
    const r = parsePhone(raw);
    if (!r.ok) throw new AppError(400, r.code, { field: 'phone' });
    return { cipher: this.cipher.encrypt(r.value), bidx: this.cipher.blindIndex(r.value) };
  }

  phoneIndex(raw: string): string {
    const r = parsePhone(raw);
    if (!r.ok) throw new AppError(400, r.code, { field: 'phone' });
    return this.cipher.blindIndex(r.value);
  }

  open(stored: string | null): string | null {
    return stored == null ? null : this.cipher.decrypt(stored);
  }

  maskedId(stored: string): string {
    return maskIdNumber(this.cipher.decrypt(stored));
  }

  maskedPhone(stored: string | null): string | null {
    return stored == null ? null : maskPhone(this.cipher.decrypt(stored));
  }
}
