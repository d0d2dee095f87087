package config

import (
	"slices"
	"strings"
)

// NearMiss is an environment variable that is no setting but is spelled
// almost as one: most likely a typo that leaves the setting at its default.
type NearMiss struct {
	Given, Meant string
}

// NearMisses finds them among environ's PAYHOOK_ variables (os.Environ),
// against every setting and the names in also (the provider keys, whose
// home is their provider).
func NearMisses(environ, also []string) []NearMiss {
	known := append(Names(), also...)
	var misses []NearMiss
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "PAYHOOK_") || slices.Contains(known, name) {
			continue
		}
		best, distance := "", 3 // two edits at most: a letter, a plural, a swap
		for _, k := range known {
			if d := editDistance(name, k); d < distance {
				best, distance = k, d
			}
		}
		if best != "" {
			misses = append(misses, NearMiss{Given: name, Meant: best})
		}
	}
	slices.SortFunc(misses, func(a, b NearMiss) int { return strings.Compare(a.Given, b.Given) })
	return misses
}

// editDistance is Levenshtein's: insertions, deletions and substitutions.
func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	current := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}
	for i := 1; i <= len(a); i++ {
		current[0] = i
		for j := 1; j <= len(b); j++ {
			substitution := previous[j-1]
			if a[i-1] != b[j-1] {
				substitution++
			}
			current[j] = min(previous[j]+1, current[j-1]+1, substitution)
		}
		previous, current = current, previous
	}
	return previous[len(b)]
}
