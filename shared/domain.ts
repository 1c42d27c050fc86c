// Domain vocabulary shared by every runtime.
import type { fraudTypes, riskLevels, unitLevels } from './protocol.js';

export type FraudType = (typeof fraudTypes)[number];
export type RiskLevel = (typeof riskLevels)[number];
export type UnitLevel = (typeof unitLevels)[number];

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Masks a person's name for a wall seen by visitors: 王小明 → 王**. */
export function maskName(name: string): string {
  const chars = Array.from(name.trim());
  if (chars.length === 0) return '';
  return chars[0] + '*'.repeat(Math.max(1, Math.min(chars.length - 1, 3)));
}

/** Masks a phone number, keeping the first 3 and last 4 digits: 13812341234 → 138****1234. */
export function maskPhone(phone: string): string {
  // Masking twice is masking once: a masked number passes through unchanged.
  if (/^\d{3}\*{4}\d{4}$/.test(phone)) return phone;
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 8) return '*'.repeat(digits.length);
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}
