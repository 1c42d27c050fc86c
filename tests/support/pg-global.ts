// Vitest global setup of the node project: one throwaway PostgreSQL cluster for the whole run
// (tests/support/pg-cluster.ts), its admin URL provided to the tests, stopped and removed after.
import type { TestProject } from 'vitest/node';
import { startCluster } from './pg-cluster.js';

export default async function setup(project: TestProject): Promise<() => void> {
  const cluster = await startCluster();
  project.provide('pgUrl', cluster.url);
  return () => cluster.stop();
}
