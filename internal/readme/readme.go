// Package readme reads the README's sections and tables, for the tests
// that keep what it says true: the settings, the commands, the functions
// and the fuzz targets it names; and rewrites the generated sections of
// the documents, for the tools that generate them.
package readme

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Path is the repository's README.md, found from this file.
func Path() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "README.md")
}

// Section is the text under heading ("## Configuration") up to the next
// heading of the same level or higher.
func Section(heading string) (string, error) {
	raw, err := os.ReadFile(Path())
	if err != nil {
		return "", err
	}
	level := strings.Index(heading, " ")
	_, rest, found := strings.Cut(string(raw), "\n"+heading+"\n")
	if !found {
		return "", fmt.Errorf("README.md has no %q", heading)
	}
	for line := range strings.Lines(rest) {
		if hashes := strings.Index(line, " "); strings.HasPrefix(line, "#") && hashes > 0 && hashes <= level && strings.Trim(line[:hashes], "#") == "" {
			rest, _, _ = strings.Cut(rest, line)
			break
		}
	}
	return rest, nil
}

// Table is the first table in heading's section whose header row starts
// with firstColumn: a map per row from column to cell, backquotes removed.
func Table(heading, firstColumn string) ([]map[string]string, error) {
	section, err := Section(heading)
	if err != nil {
		return nil, err
	}
	var columns []string
	var rows []map[string]string
	for line := range strings.Lines(section) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			if columns != nil {
				break
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case columns == nil && cells[0] == firstColumn:
			columns = cells
		case columns == nil, strings.HasPrefix(cells[0], "---"):
		default:
			row := map[string]string{}
			for i, c := range columns {
				if i < len(cells) {
					row[c] = strings.ReplaceAll(cells[i], "`", "")
				}
			}
			rows = append(rows, row)
		}
	}
	if columns == nil {
		return nil, fmt.Errorf("README.md's %q has no table starting %q", heading, firstColumn)
	}
	return rows, nil
}

// ReplaceGenerated replaces what lies in doc between the marker begin and
// the next end with body, markers kept.
func ReplaceGenerated(doc, begin, end, body string) (string, error) {
	start := strings.Index(doc, begin)
	if start < 0 {
		return "", fmt.Errorf("no %q marker", begin)
	}
	stop := strings.Index(doc[start:], end)
	if stop < 0 {
		return "", fmt.Errorf("no %q after %q", end, begin)
	}
	return doc[:start] + begin + body + doc[start+stop:], nil
}
