// Starts every part of a gateway node. Filled in by the ingress and delivery work.
import type { RampartConfig } from './config/schema.js';

export async function startGateway(config: RampartConfig): Promise<void> {
  throw new Error(`rampart serve is not implemented yet (data_dir ${config.data_dir})`);
}
