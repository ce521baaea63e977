// Every schema migration, in order. Each area of the product adds its own file and one line here;
// names sort in the order they must run.
import type { Migration } from 'kysely';
import * as core from './001_core.js';
import * as delivery from './005_delivery.js';
import * as scan from './100_scan.js';
import * as reputation from './120_reputation.js';
import * as bayes from './110_bayes.js';
import * as threats from './200_threats.js';
import * as migration from './400_migration.js';
import * as console_ from './300_console.js';
import * as unifiedLists from './410_unified_lists.js';
import * as bayesSnapshot from './420_bayes_snapshot.js';
import * as bayesGeneration from './430_bayes_generation.js';
import * as statsHourly from './440_stats_hourly.js';
import * as reportMail from './450_report_mail.js';
import * as fuzzy from './460_fuzzy.js';
import * as fuzzyScope from './470_fuzzy_scope.js';
import * as fuzzyJudged from './480_fuzzy_judged.js';
import * as fuzzySource from './490_fuzzy_source.js';
import * as recipientOwner from './500_recipient_owner.js';

export const migrations: Record<string, Migration> = {
  '001_core': core,
  '005_delivery': delivery,
  '100_scan': scan,
  '120_reputation': reputation,
  '110_bayes': bayes,
  '200_threats': threats,
  '400_migration': migration,
  '300_console': console_,
  '410_unified_lists': unifiedLists,
  '420_bayes_snapshot': bayesSnapshot,
  '430_bayes_generation': bayesGeneration,
  '440_stats_hourly': statsHourly,
  '450_report_mail': reportMail,
  '460_fuzzy': fuzzy,
  '470_fuzzy_scope': fuzzyScope,
  '480_fuzzy_judged': fuzzyJudged,
  '490_fuzzy_source': fuzzySource,
  '500_recipient_owner': recipientOwner,
};
