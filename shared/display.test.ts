import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DISPLAY, grade, parseDisplayConfig } from './display.js';

describe('display configuration', () => {
  it('merges a partial file over the defaults', () => {
    const c = parseDisplayConfig('{"displayName":"福田分局大屏","targets":{"faceToFace":0.95}}', 'wall.json');
    expect(c.displayName).toBe('福田分局大屏');
    expect(c.targets.faceToFace).toBe(0.95);
    expect(c.targets.overdue).toBe(DEFAULT_DISPLAY.targets.overdue);
  });

  it.each([
    ['{"targets":{"faceToFace":1.5}}', 'wall.json: targets.faceToFace: Too big'],
    ['{"targets":{"faceToFase":0.9}}', 'wall.json: targets.faceToFase: unknown key'],
    ['{"lang":"fr"}', 'wall.json: lang: Invalid option'],
    ['{"colour":"red"}', 'wall.json: colour: unknown key'],
    ['{"displayName":', 'wall.json: not JSON'],
  ])('refuses %s naming the key', (text, message) => {
    expect(() => parseDisplayConfig(text, 'wall.json')).toThrow(ConfigError);
    expect(() => parseDisplayConfig(text, 'wall.json')).toThrow(message);
  });

  it('grades against the target in the indicator’s direction', () => {
    expect(grade('faceToFace', 0.99, 0.98)).toBe('good');
    expect(grade('faceToFace', 0.965, 0.98)).toBe('warn');
    expect(grade('faceToFace', 0.5, 0.98)).toBe('bad');
    expect(grade('victimisation', 0.01, 0.015)).toBe('good');
    expect(grade('victimisation', 0.025, 0.015)).toBe('warn');
    expect(grade('victimisation', 0.05, 0.015)).toBe('bad');
    expect(grade('overdue', null, 0.02)).toBe('none');
  });
});
