package wicket

import "time"

// Clock tells the time. Everything that checks an expiry or a signature's
// date takes a Clock (or a time) instead of calling time.Now, so that tests
// can pin an exact instant and clock skew becomes a row of a table.
type Clock interface {
	Now() time.Time
}

// SystemClock is the Clock of the machine.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

var _ Clock = SystemClock{}
