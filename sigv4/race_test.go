//go:build race

package sigv4

// raceEnabled reports whether the race detector is on; randomised tests do
// less work under it.
const raceEnabled = true
