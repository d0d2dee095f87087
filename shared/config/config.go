// Package config is the one home of payhook's settings: settings below
// declares each environment variable once, with its default and the rule
// its value must pass; a process's struct names the ones it reads, and
// Load reads and validates them at start-up. A bad value is one error line
// naming the variable, so a process stops before serving anything. Secrets
// (provider keys, forwarding secrets) are read here too; their format is
// checked by the code that uses them (registry.ParseKeys,
// forward.ParseSecrets).
package config

import (
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"

	"github.com/payhook/payhook/shared/payment"
)

// setting is one environment variable: its default, and the validator/v10
// rule a value must pass.
type setting struct {
	fallback, rule string
}

// settings are every setting payhook reads, by name. The README's
// configuration table documents each, and a test keeps the two the same.
var settings = map[string]setting{
	"PAYHOOK_ADDR":                       {"127.0.0.1:8080", ""},
	"PAYHOOK_DATA_DIR":                   {".payhook", ""},
	"PAYHOOK_MAX_BODY_BYTES":             {"262144", "min=1024,max=358400"},
	"PAYHOOK_TIMESTAMP_TOLERANCE":        {"5m", "min=1s,max=1h"},
	"PAYHOOK_RETENTION":                  {"840h", "min=72h"},
	"PAYHOOK_STORE_TIMEOUT":              {"5s", "min=100ms,max=25s"},
	"PAYHOOK_PAYPAL_SANDBOX":             {"false", ""},
	"PAYHOOK_PAYPAL_TRANSMISSION_WINDOW": {"5m", "min=1m,max=72h"},
	"PAYHOOK_LOG_LEVEL":                  {"info", "oneof=debug info warn error"},
	"PAYHOOK_TABLE_NAME":                 {"", "min=3,max=255"},
	"PAYHOOK_SECRETS_ARN":                {"", "startswith=arn:"},
	"PAYHOOK_API_SECRETS_ARN":            {"", "startswith=arn:"},
	"PAYHOOK_SECRETS_REFRESH":            {"5m", "min=10s,max=1h"},
	"PAYHOOK_DLQ_URL":                    {"", "url"},
	"PAYHOOK_ALERT_TOPIC_ARN":            {"", "startswith=arn:"},
	"PAYHOOK_EVENT_BUS_NAME":             {"", "max=256"},
	"PAYHOOK_RECONCILE_WINDOW":           {"72h", "min=15m,max=720h"},
	"PAYHOOK_PAYPAL_CONFIRM":             {"true", ""},
	"PAYHOOK_CHECKOUT_CONFIRM":           {"true", ""},
	"PAYHOOK_GOCARDLESS_AMOUNTS":         {"true", ""},
	"PAYHOOK_FORWARD_SECRETS":            {"", ""},
	"PAYHOOK_FORWARD_DESTINATIONS":       {"", ""},
	"PAYHOOK_FORWARD_RETRY_WINDOW":       {"24h", "min=1h,max=168h"},
	"PAYHOOK_METRICS_NAMESPACE":          {"payhook", "max=255,printascii"},
	"PAYHOOK_CRITICAL_EVENT_TYPES":       {"dispute.opened,payment.failed", ""},
}

// Names lists every setting, sorted.
func Names() []string {
	names := make([]string, 0, len(settings))
	for name := range settings {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Default is a setting's default, "" when it has none.
func Default(name string) string { return settings[name].fallback }

// Local is where payhook serve listens and keeps its data, which every
// command that finds a serve reads too. Their flags (--addr, --data) win.
type Local struct {
	Addr    string `env:"PAYHOOK_ADDR"`
	DataDir string `env:"PAYHOOK_DATA_DIR"`
}

func (l Local) check() error {
	if !IsListenAddr(l.Addr) {
		return errors.New("PAYHOOK_ADDR: must be " + ListenAddrWanted)
	}
	return nil
}

// ListenAddrWanted says what IsListenAddr accepts.
const ListenAddrWanted = "a host and port, such as 127.0.0.1:8080"

// IsListenAddr says whether addr is one serve can listen on: PAYHOOK_ADDR
// and serve --addr alike.
func IsListenAddr(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port != ""
}

// Serve configures payhook serve, beside Local, Receiver and Reconcile.
type Serve struct {
	// CriticalTypes raise an alert when they change a payment.
	CriticalTypes []payment.Type `env:"PAYHOOK_CRITICAL_EVENT_TYPES"`
	// ForwardSecrets sign forwarded events; empty, serve generates one.
	ForwardSecrets string `env:"PAYHOOK_FORWARD_SECRETS"`
}

// Receiver configures the receiver, on Lambda and locally.
type Receiver struct {
	MaxBodyBytes       int           `env:"PAYHOOK_MAX_BODY_BYTES"`
	TimestampTolerance time.Duration `env:"PAYHOOK_TIMESTAMP_TOLERANCE"`
	Retention          time.Duration `env:"PAYHOOK_RETENTION"`
	StoreTimeout       time.Duration `env:"PAYHOOK_STORE_TIMEOUT"`
	PayPalSandbox      bool          `env:"PAYHOOK_PAYPAL_SANDBOX"`
	// PayPalTransmissionWindow bounds how far PayPal's transmission time may
	// be from now. Every attempt is a new transmission (docs/decisions.md),
	// so this needs to cover clock skew and transit only; it stays within
	// the shortest retention, which keeps every binding it relies on.
	PayPalTransmissionWindow time.Duration `env:"PAYHOOK_PAYPAL_TRANSMISSION_WINDOW"`
	LogLevel                 string        `env:"PAYHOOK_LOG_LEVEL"`
}

// check holds the rule no single field can: PayPal headers are usable only
// within the window, so their bindings must outlive it, with an hour to
// spare for clocks and the TTL's own delay.
func (r Receiver) check() error {
	if r.Retention < r.PayPalTransmissionWindow+time.Hour {
		return fmt.Errorf("PAYHOOK_RETENTION: must be at least PAYHOOK_PAYPAL_TRANSMISSION_WINDOW plus 1h (%s)", r.PayPalTransmissionWindow+time.Hour)
	}
	return nil
}

// ReceiverAWS is what the receiver needs on AWS, beside Receiver.
type ReceiverAWS struct {
	TableName string `env:"PAYHOOK_TABLE_NAME,required"`
	// SecretsARN holds the webhook keys, and only those.
	SecretsARN     string        `env:"PAYHOOK_SECRETS_ARN,required"`
	SecretsRefresh time.Duration `env:"PAYHOOK_SECRETS_REFRESH"`
}

// Processor configures the processor Lambda.
type Processor struct {
	TableName     string `env:"PAYHOOK_TABLE_NAME,required"`
	DLQURL        string `env:"PAYHOOK_DLQ_URL,required"`
	AlertTopicARN string `env:"PAYHOOK_ALERT_TOPIC_ARN,required"`
	// EventBusName, when set, receives every normalized event.
	EventBusName  string         `env:"PAYHOOK_EVENT_BUS_NAME"`
	CriticalTypes []payment.Type `env:"PAYHOOK_CRITICAL_EVENT_TYPES"`
	// APISecretsARN, when set, holds the providers' API credentials the
	// processor confirms deliveries and reads amounts with (never the
	// webhook keys).
	APISecretsARN  string        `env:"PAYHOOK_API_SECRETS_ARN"`
	SecretsRefresh time.Duration `env:"PAYHOOK_SECRETS_REFRESH"`
	PayPalSandbox  bool          `env:"PAYHOOK_PAYPAL_SANDBOX"`
	LogLevel       string        `env:"PAYHOOK_LOG_LEVEL"`
}

// Metrics configures the CloudWatch metrics the receiver, processor and
// forwarder Lambdas write to their logs (Embedded Metric Format).
type Metrics struct {
	// Namespace is CloudWatch's: printable ASCII, not AWS's own (AWS/...).
	Namespace string `env:"PAYHOOK_METRICS_NAMESPACE"`
}

func (m Metrics) check() error {
	if strings.HasPrefix(m.Namespace, "AWS/") {
		return errors.New("PAYHOOK_METRICS_NAMESPACE: must not start with AWS/")
	}
	return nil
}

// Reconcile configures the confirmation of deliveries, on serve and in
// the processor.
type Reconcile struct {
	// PayPalConfirm confirms each delivered PayPal event with PayPal's API
	// before acting on it, when PayPal's API credentials are set.
	PayPalConfirm bool `env:"PAYHOOK_PAYPAL_CONFIRM"`
	// CheckoutConfirm confirms each delivered Checkout.com event with
	// Checkout.com's API before acting on it, when its access key is set.
	CheckoutConfirm bool `env:"PAYHOOK_CHECKOUT_CONFIRM"`
	// GoCardlessAmounts reads each GoCardless payment's (or refund's)
	// amount from GoCardless's API, which its webhooks leave out, when
	// GoCardless's API credentials are set.
	GoCardlessAmounts bool `env:"PAYHOOK_GOCARDLESS_AMOUNTS"`
}

// Confirmed names the providers whose deliveries are confirmed with their
// APIs (reconcile.Confirmation.Confirming), by provider name.
func (r Reconcile) Confirmed() map[string]bool {
	return map[string]bool{"paypal": r.PayPalConfirm, "checkout": r.CheckoutConfirm}
}

// Confirms reports whether any provider's deliveries are confirmed.
func (r Reconcile) Confirms() bool { return r.PayPalConfirm || r.CheckoutConfirm }

// Reconciler configures the reconciler Lambda.
type Reconciler struct {
	TableName string `env:"PAYHOOK_TABLE_NAME,required"`
	// APISecretsARN holds the providers' API credentials.
	APISecretsARN string        `env:"PAYHOOK_API_SECRETS_ARN,required"`
	AlertTopicARN string        `env:"PAYHOOK_ALERT_TOPIC_ARN,required"`
	Retention     time.Duration `env:"PAYHOOK_RETENTION"`
	PayPalSandbox bool          `env:"PAYHOOK_PAYPAL_SANDBOX"`
	LogLevel      string        `env:"PAYHOOK_LOG_LEVEL"`
	// Window is how far back a scheduled run looks at most.
	Window time.Duration `env:"PAYHOOK_RECONCILE_WINDOW"`
}

// Auditor configures the auditor Lambda.
type Auditor struct {
	AlertTopicARN string `env:"PAYHOOK_ALERT_TOPIC_ARN,required"`
	LogLevel      string `env:"PAYHOOK_LOG_LEVEL"`
}

// Forwarder configures the forwarder Lambda, which delivers canonical
// events to the user's endpoints from the queues EventBridge rules fill.
type Forwarder struct {
	// Destinations is the JSON list the pipeline module writes
	// (forward.ParseAWSDestinations reads it).
	Destinations string `env:"PAYHOOK_FORWARD_DESTINATIONS,required"`
	// RetryWindow is how long a message is retried after it was queued;
	// the destinations' queues keep messages 14 days, SQS's most.
	RetryWindow    time.Duration `env:"PAYHOOK_FORWARD_RETRY_WINDOW"`
	SecretsRefresh time.Duration `env:"PAYHOOK_SECRETS_REFRESH"`
	LogLevel       string        `env:"PAYHOOK_LOG_LEVEL"`
}

var validate = validator.New()

// Load fills each struct pointed to by targets from lookup (os.LookupEnv),
// applying defaults, and validates it; the first bad value stops it.
func Load(lookup func(string) (string, bool), targets ...any) error {
	for _, target := range targets {
		if err := load(lookup, target); err != nil {
			return err
		}
	}
	return nil
}

func load(lookup func(string) (string, bool), target any) error {
	v := reflect.ValueOf(target).Elem()
	t := v.Type()
	for i := range t.NumField() {
		name, required := strings.CutSuffix(t.Field(i).Tag.Get("env"), ",required")
		s, ok := settings[name]
		if !ok {
			panic(fmt.Sprintf("config: %s.%s reads %q, which is not in settings", t.Name(), t.Field(i).Name, name))
		}
		raw, _ := lookup(name)
		raw = strings.TrimSpace(raw)
		if raw == "" {
			raw = s.fallback
		}
		if raw == "" {
			if required {
				return fmt.Errorf("%s: required", name)
			}
			continue
		}
		field := v.Field(i)
		if err := set(field, raw); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if s.rule == "" {
			continue
		}
		if err := validate.Var(field.Interface(), s.rule); err != nil {
			var invalid validator.ValidationErrors
			if errors.As(err, &invalid) {
				return describe(name, invalid[0])
			}
			return err
		}
	}
	if c, ok := target.(interface{ check() error }); ok {
		return c.check()
	}
	return nil
}

func set(field reflect.Value, raw string) error {
	switch {
	case field.Type() == reflect.TypeFor[time.Duration]():
		d, err := time.ParseDuration(raw)
		if err != nil {
			return errors.New("not a duration (examples: 30s, 5m, 840h)")
		}
		field.SetInt(int64(d))
	case field.Type() == reflect.TypeFor[[]payment.Type]():
		types, err := payment.ParseTypes(raw)
		if err != nil {
			return err
		}
		field.Set(reflect.ValueOf(types))
	case field.Kind() == reflect.Int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return errors.New("not a whole number")
		}
		field.SetInt(int64(n))
	case field.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("not true or false")
		}
		field.SetBool(b)
	case field.Kind() == reflect.String:
		field.SetString(raw)
	default:
		return fmt.Errorf("unsupported setting type %s", field.Type())
	}
	return nil
}

// describe says what is wrong without echoing the value: a misplaced secret
// in the wrong variable must not end up in a log.
func describe(name string, fe validator.FieldError) error {
	unit := ""
	if fe.Kind() == reflect.String {
		unit = " characters"
	}
	switch fe.Tag() {
	case "min":
		return fmt.Errorf("%s: must be at least %s%s", name, fe.Param(), unit)
	case "max":
		return fmt.Errorf("%s: must be at most %s%s", name, fe.Param(), unit)
	case "oneof":
		return fmt.Errorf("%s: must be one of %s", name, strings.ReplaceAll(fe.Param(), " ", ", "))
	case "startswith":
		return fmt.Errorf("%s: must start with %s", name, fe.Param())
	case "url":
		return fmt.Errorf("%s: must be a URL", name)
	case "printascii":
		return fmt.Errorf("%s: must be printable ASCII", name)
	}
	return fmt.Errorf("%s: must pass the rule %s", name, fe.Tag())
}
