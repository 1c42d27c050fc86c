// A display's configuration: what it shows and how. Defaults here; the browser host and the
// Electron shell read overrides from a config file validated by `displayConfigSchema`.
import { z } from 'zod';
import { DEFAULT_RANKING, rankSortKeys, type RankingConfig } from './kpi.js';

// The indicators themselves (keys, direction) live in the registry.
import { HIGHER_IS_BETTER, indicatorKeys, type IndicatorKey } from './indicators.js';
export { HIGHER_IS_BETTER, indicatorKeys, type IndicatorKey };

const sortKeys = z
  .array(z.enum(rankSortKeys))
  .min(1)
  .max(rankSortKeys.length)
  .refine((k) => new Set(k).size === k.length, 'a sort key appears twice');

export const displayConfigSchema = z
  .object({
    /** Shown in the status bar: which wall this is. */
    displayName: z.string().min(1).max(60),
    lang: z.enum(['zh-CN', 'en']),
    /** Daily targets: rates as fractions, money in fen, time in ms. */
    targets: z
      .object({
        faceToFace: z.number().min(0).max(1),
        victimisation: z.number().min(0).max(1),
        overdue: z.number().min(0).max(1),
        peopleDefrauded: z.number().int().min(0),
        amountDefrauded: z.number().int().min(0),
        timeToMeet: z.number().int().min(0),
        stopPayment30: z.number().min(0).max(1),
        amountKept: z.number().int().min(0),
      })
      .strict(),
    /** The indicator that shades the map's branches. */
    mapIndicator: z.enum(['faceToFace', 'victimisation', 'overdue']),
    /** The smallest text, as a fraction of screen height (viewing distance): 1/60 by default. */
    fontFloor: z.number().min(1 / 200).max(1 / 20),
    /** Seconds each page of countdown tiles stays before the next. */
    tilePageSeconds: z.number().int().min(3).max(120),
    /** GeoJSON of the jurisdiction, served by the host from resources/geo. */
    geo: z.string().regex(/^[\w.-]+\.geojson$/),
    /** Scenes shown in turn, each for its dwell time; empty: the wall alone. */
    scenes: z.array(z.object({ kind: z.enum(['wall', 'rankings', 'map', 'trends']), dwellSeconds: z.number().int().min(2).max(3600) }).strict()).max(12),
    /** How long a new urgent lead holds the wall before the rotation resumes unacknowledged. */
    interruptSeconds: z.number().int().min(5).max(3600),
    /** An alarm sound for urgent leads and third-tier reminders, at most once per 30 s. */
    alarm: z.boolean(),
    /**
     * The rankings (kpis.md): the minimum volume (fewer leads in the window: listed unranked,
     * "volume too low") and each ranking's sort keys in order, better first; the unit code
     * breaks the last tie. Defaults: shared/kpi.ts DEFAULT_RANKING.
     */
    ranking: z
      .object({
        minVolume: z.number().int().min(1).max(10_000),
        keys: z.object({ daily: sortKeys, weekly: sortKeys }).strict(),
      })
      .strict(),
    /** Night mode: lower brightness between these times (command post's time zone). */
    night: z.object({ from: z.string().regex(/^\d\d:\d\d$/), to: z.string().regex(/^\d\d:\d\d$/), brightness: z.number().min(0.3).max(1) }).strict().nullable(),
  })
  .strict();

export type DisplayConfig = z.infer<typeof displayConfigSchema>;

export const DEFAULT_DISPLAY: DisplayConfig = {
  displayName: '指挥大屏 1',
  lang: 'zh-CN',
  targets: {
    faceToFace: 0.98,
    victimisation: 0.015,
    overdue: 0.02,
    peopleDefrauded: 5,
    amountDefrauded: 50_000_000,
    timeToMeet: 2 * 3_600_000,
    stopPayment30: 0.99,
    amountKept: 100_000_000,
  },
  mapIndicator: 'faceToFace',
  fontFloor: 1 / 60,
  tilePageSeconds: 10,
  geo: 'shenzhen.geojson',
  scenes: [],
  interruptSeconds: 120,
  alarm: false,
  night: null,
  ranking: { minVolume: DEFAULT_RANKING.minVolume, keys: { daily: [...DEFAULT_RANKING.keys.daily], weekly: [...DEFAULT_RANKING.keys.weekly] } },
};

/** The ranking rule's configuration as a display's configuration sets it. */
export function rankingConfig(c: Pick<DisplayConfig, 'ranking'>): RankingConfig {
  return { minVolume: c.ranking.minVolume, keys: c.ranking.keys };
}

/** Threshold colour of a value against its target. */
export function grade(key: IndicatorKey, value: number | null, target: number): 'good' | 'warn' | 'bad' | 'none' {
  if (value === null) return 'none';
  if (HIGHER_IS_BETTER[key]) return value >= target ? 'good' : value >= target - Math.max(0.03 * target, 0.01) ? 'warn' : 'bad';
  if (target === 0) return value === 0 ? 'good' : 'bad';
  return value <= target ? 'good' : value <= target * 2 ? 'warn' : 'bad';
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses a JSON configuration file's text against a schema; refuses it with a ConfigError that
 * names the file, the key and what is wrong (an unknown key is named as such).
 */
export function parseConfigFile<S extends z.ZodType>(schema: S, text: string, source: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${source}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys].join('.') : issue.path.join('.');
    throw new ConfigError(`${source}: ${key || '(root)'}: ${issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message}`);
  }
  return parsed.data;
}

/** A display configuration as a file gives it: any subset of the keys (and of the targets). */
export const displayOverrideSchema = displayConfigSchema
  .partial()
  .extend({
    targets: displayConfigSchema.shape.targets.partial().optional(),
    ranking: z.object({ minVolume: displayConfigSchema.shape.ranking.shape.minVolume.optional(), keys: displayConfigSchema.shape.ranking.shape.keys.partial().optional() }).strict().optional(),
  })
  .strict();
export type DisplayOverride = z.infer<typeof displayOverrideSchema>;

/** An override merged over the defaults. */
export function withDefaults(override: DisplayOverride): DisplayConfig {
  const { targets, ranking, ...rest } = override;
  const d = DEFAULT_DISPLAY;
  return displayConfigSchema.parse({
    ...d,
    ...rest,
    targets: { ...d.targets, ...targets },
    ranking: { minVolume: ranking?.minVolume ?? d.ranking.minVolume, keys: { ...d.ranking.keys, ...ranking?.keys } },
  });
}

/**
 * Reads a display configuration file's text: any subset of the keys, merged over the defaults.
 * A bad file is refused with a message naming the key and what is wrong with it.
 */
export function parseDisplayConfig(text: string, source: string): DisplayConfig {
  return withDefaults(parseConfigFile(displayOverrideSchema, text, source));
}
