// The Electron shell's configuration file (config.json in the app's user-data folder): the
// centre, the scope, one profile per window (which screen, which screen layout, window /
// fullscreen / kiosk), the display settings, and start at login. Validated with errors naming
// the bad key. The token is not here: it is kept encrypted with safeStorage (token.bin).
import { z } from 'zod';
import { ConfigError, displayOverrideSchema, parseConfigFile } from '../../shared/display.js';

export const profileSchema = z
  .object({
    name: z.string().min(1).max(60),
    /** Index into the screens the OS reports, in their left-to-right order. */
    screen: z.number().int().min(0).max(15),
    /** The screen layout (route) this window shows. */
    route: z.enum(['#/wall', '#/review', '#/rankings']),
    mode: z.enum(['window', 'fullscreen', 'kiosk']),
  })
  .strict();

export const shellConfigSchema = z
  .object({
    central: z.object({ url: z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be http(s)'), scope: z.string().min(1).max(128).optional() }).strict(),
    profiles: z.array(profileSchema).min(1).max(16),
    display: displayOverrideSchema.optional(),
    startAtLogin: z.boolean().default(false),
    /** The key combination that leaves kiosk mode (administrators only). */
    adminExitShortcut: z.string().min(3).max(60).default('CommandOrControl+Alt+Shift+Q'),
  })
  .strict();

export type ShellConfig = z.infer<typeof shellConfigSchema>;
export type Profile = z.infer<typeof profileSchema>;

export { ConfigError as ShellConfigError };

export function parseShellConfig(text: string, source: string): ShellConfig {
  return parseConfigFile(shellConfigSchema, text, source);
}

export type ScreenInfo = { id: number; bounds: { x: number; y: number; width: number; height: number } };
export type WindowPlan = { profile: Profile; bounds: ScreenInfo['bounds']; fullscreen: boolean; kiosk: boolean; warning: string | null };

/**
 * Where each profile's window goes: screens are taken left to right; a profile naming a screen
 * that is not connected goes to the first screen, with a warning to log (a wall must show).
 */
export function planWindows(profiles: readonly Profile[], screens: readonly ScreenInfo[]): WindowPlan[] {
  if (screens.length === 0) throw new ConfigError('no screen is connected');
  const ordered = [...screens].sort((a, b) => a.bounds.x - b.bounds.x || a.bounds.y - b.bounds.y);
  return profiles.map((profile) => {
    const screen = ordered[profile.screen];
    return {
      profile,
      bounds: (screen ?? ordered[0]!).bounds,
      fullscreen: profile.mode !== 'window',
      kiosk: profile.mode === 'kiosk',
      warning: screen ? null : `profile ${profile.name}: screen ${profile.screen} is not connected (${ordered.length} connected); shown on screen 0`,
    };
  });
}
