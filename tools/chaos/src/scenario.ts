/** A goal of the issue, what was measured against it and whether it was met. */
export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

/** What a scenario prints and writes to the report. */
export interface ScenarioReport {
  title: string;
  /** What ran: processes, load, faults. */
  setup: string[];
  /** Figures that are not goals themselves (counts, timings, recovery). */
  figures: string[];
  goals: Goal[];
}

export interface ScenarioContext {
  /** The CI form: smaller and shorter, the same goals. */
  short: boolean;
  /** A progress line (stderr): not part of the report. */
  progress: (line: string) => void;
}

export interface Scenario {
  /** For `--only`. */
  name: string;
  run: (context: ScenarioContext) => Promise<ScenarioReport>;
}
