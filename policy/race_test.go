//go:build race

package policy

// raceEnabled reports whether the race detector is on; it allocates, and
// randomised tests do less work under it.
const raceEnabled = true
