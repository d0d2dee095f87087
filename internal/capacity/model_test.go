package capacity_test

import (
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/capacity"
)

const variablesTF = `
variable "api_throttle_rate" {
  type    = number
  default = 1000
}
variable "api_throttle_burst" {
  default = 2000
}
variable "waf_rate_limit" {
  default = 600
}
variable "waf_rate_window_seconds" {
  default = 60
}
variable "provider_rate_limit" {
  default = 60000
}
variable "receiver" {
  default = { timeout = 30, reserved_concurrency = 100, memory_size = 256 }
}
variable "processor" {
  default = { timeout = 300, reserved_concurrency = 50, memory_size = 512 }
}
variable "auditor" {
  default = { timeout = 60, reserved_concurrency = 10, memory_size = 256 }
}
variable "processor_stream" {
  default = { batch_size = 100, parallelization_factor = 1, batching_window_seconds = 1 }
}
variable "auditor_stream" {
  default = { batch_size = 100, parallelization_factor = 1, batching_window_seconds = 1 }
}
variable "forwarder" {
  default = { timeout = 60, memory_size = 256, max_concurrency = 5 }
}
`

func TestSettingsAreTheModulesDefaults(t *testing.T) {
	is := is.New(t)
	s, err := capacity.ReadSettings([]byte(variablesTF))
	is.NoErr(err)
	is.Equal(s.APIThrottleRate, 1000.0)
	is.Equal(s.Receiver, capacity.Sizing{MemoryMB: 256, Reserved: 100})
	is.Equal(s.Auditor, capacity.Sizing{MemoryMB: 256, Reserved: 10})
	is.Equal(s.ProcessorStream, capacity.StreamReading{BatchSize: 100, Parallelization: 1, WindowSeconds: 1})
	is.Equal(s.ForwarderConcurrency, 5.0)

	_, err = capacity.ReadSettings([]byte(strings.Replace(variablesTF, "parallelization_factor = 1, batching", "batching", 1)))
	is.True(err != nil && strings.Contains(err.Error(), "processor_stream's default has no parallelization_factor"))
}

func model(t *testing.T) capacity.Model {
	t.Helper()
	s, err := capacity.ReadSettings([]byte(variablesTF))
	if err != nil {
		t.Fatal(err)
	}
	m, err := capacity.LoadMeasured()
	if err != nil {
		t.Fatal(err)
	}
	return capacity.Model{Measured: m, Settings: s, Prices: capacity.Prices}
}

// Below every limit nothing is raised; past one, that limit binds and
// the setting that lifts it is named.
func TestALimitBindsOnlyPastItsCapacity(t *testing.T) {
	is := is.New(t)
	m := model(t)
	low, err := m.At(1)
	is.NoErr(err)
	is.Equal(len(low.Binding()), 0)
	is.Equal(len(low.Raise), 0)

	var stage capacity.Limit
	for _, l := range low.Limits {
		if strings.Contains(l.Name, "stage's throttle") {
			stage = l
		}
	}
	is.Equal(stage.Capacity, 1000.0)
	high, err := m.At(2000)
	is.NoErr(err)
	bound := false
	for _, l := range high.Binding() {
		bound = bound || l.Name == stage.Name
	}
	is.True(bound)
	raised := false
	for _, s := range high.Raise {
		raised = raised || (strings.Contains(s.Name, "api_throttle_rate") && s.Needed == "2,500, 5,000")
	}
	is.True(raised) // 2,000/s with 1.25x headroom
}

// More webhooks cost more per hour, and about the same per webhook.
func TestCostGrowsWithTheRate(t *testing.T) {
	is := is.New(t)
	m := model(t)
	previous := 0.0
	for _, rate := range capacity.Rates {
		p, err := m.At(rate)
		is.NoErr(err)
		is.True(p.CostPerHour > previous)
		previous = p.CostPerHour
		perMillion := p.CostPerHour / (rate * 3600) * 1e6
		is.True(perMillion > 5 && perMillion < 50) // dollars per million webhooks: the cost test's order
		is.True(p.LagWorst >= p.LagTypical)
	}
}
