/** The runner and daemon tests' fake monotonic clock: time moves only when a test moves it. */
export { type ManualTimer as FakeTimer, ManualTimers as FakeTimers } from '../../src/core/manual-timers.js';
