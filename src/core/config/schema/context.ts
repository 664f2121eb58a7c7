/** What the blocks of a configuration need from one another while they are validated (schema/index.ts fills it). */
import type { CheckConfig, GlobalDefs, TrackFileConfig, TrackProcessConfig, VrrpScriptConfig } from '../model.js';
import type { RulePreferences } from './routing.js';

/** What an instance needs from the other blocks: the names written (for references) and the parsed blocks. */
export interface Context {
  globalDefs: GlobalDefs;
  scriptNames: ReadonlySet<string>;
  scripts: ReadonlyMap<string, VrrpScriptConfig>;
  trackFileNames: ReadonlySet<string>;
  trackFiles: ReadonlyMap<string, TrackFileConfig>;
  /** track_file entries naming a file path directly (vipd), by path: filled in as instances are built. */
  implicitFiles: Map<string, TrackFileConfig>;
  checkNames: ReadonlySet<string>;
  checks: ReadonlyMap<string, CheckConfig>;
  processNames: ReadonlySet<string>;
  processes: ReadonlyMap<string, TrackProcessConfig>;
  /** Preferences for rules written without one (keepalived counts down over the file). */
  rulePreferences: RulePreferences;
}
