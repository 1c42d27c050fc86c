// The unit hierarchy (city → branch → station → beat) as a tree with the lookups the
// indicators and rankings need: a lead counts for its unit and every ancestor of it.
import type { UnitLevel } from './domain.js';

export type UnitNode = { id: string; parentId: string | null; level: UnitLevel; code: string; name: string; nameEn?: string | undefined; lat?: number | undefined; lng?: number | undefined; geoKey?: string | undefined };

export class UnitTree {
  readonly byId = new Map<string, UnitNode>();
  readonly #children = new Map<string, UnitNode[]>();
  readonly #subtree = new Map<string, Set<string>>();
  readonly #atLevel = new Map<string, UnitNode[]>();

  constructor(units: Iterable<UnitNode>) {
    for (const u of units) this.byId.set(u.id, u);
    for (const u of this.byId.values()) {
      if (u.parentId === null) continue;
      const list = this.#children.get(u.parentId) ?? [];
      list.push(u);
      this.#children.set(u.parentId, list);
    }
    for (const list of this.#children.values()) list.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  }

  get roots(): UnitNode[] {
    return [...this.byId.values()].filter((u) => u.parentId === null || !this.byId.has(u.parentId));
  }

  children(id: string): UnitNode[] {
    return this.#children.get(id) ?? [];
  }

  /** The unit and everything under it. */
  subtree(id: string): Set<string> {
    let s = this.#subtree.get(id);
    if (!s) {
      s = new Set<string>();
      const stack = [id];
      while (stack.length) {
        const cur = stack.pop()!;
        if (s.has(cur)) continue;
        s.add(cur);
        for (const c of this.children(cur)) stack.push(c.id);
      }
      this.#subtree.set(id, s);
    }
    return s;
  }

  /** The unit's ancestor at a level (or the unit itself if it is at that level), if any. */
  ancestorAt(id: string, level: UnitLevel): UnitNode | null {
    let cur = this.byId.get(id);
    const seen = new Set<string>();
    while (cur && !seen.has(cur.id)) {
      if (cur.level === level) return cur;
      seen.add(cur.id);
      cur = cur.parentId === null ? undefined : this.byId.get(cur.parentId);
    }
    return null;
  }

  /** Units at a level inside a unit's subtree, in code order. */
  atLevel(level: UnitLevel, within: string): UnitNode[] {
    const key = `${level}|${within}`;
    let list = this.#atLevel.get(key);
    if (!list) {
      const sub = this.subtree(within);
      list = [...this.byId.values()].filter((u) => u.level === level && sub.has(u.id)).sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
      this.#atLevel.set(key, list);
    }
    return list;
  }
}
