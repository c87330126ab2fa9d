// How long a test lets one guest program run. Generous on purpose: on a 2-core machine a whole
// suite, a CI job or a second test run at once can make a 5-second program take a minute, and a
// time limit is there to catch a hang, never to judge speed (that is `npm run bench`'s job).

/** A spawned guest program is killed after this long (env TSEMU_TEST_RUN_LIMIT_MS overrides). */
export const RUN_LIMIT_MS = Number(process.env.TSEMU_TEST_RUN_LIMIT_MS ?? 300_000);

/** The timeout of a test that runs guest programs: the run limit plus time to report. */
export const PROGRAM_TEST_MS = RUN_LIMIT_MS + 20_000;
