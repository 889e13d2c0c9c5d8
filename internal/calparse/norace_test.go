//go:build !race

package calparse

// raceEnabled is set when the race detector runs, which slows the code
// down and makes it use more memory.
const raceEnabled = false
