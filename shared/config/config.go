// Package config reads payhook's settings from environment variables and
// validates them with validator/v10 at start-up. A bad value is one error
// line naming the variable, so a process stops before serving anything.
package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"
)

// Receiver configures the receiver, on Lambda and locally.
type Receiver struct {
	MaxBodyBytes       int           `env:"PAYHOOK_MAX_BODY_BYTES" default:"262144" validate:"min=1024,max=358400"`
	TimestampTolerance time.Duration `env:"PAYHOOK_TIMESTAMP_TOLERANCE" default:"5m" validate:"min=1s,max=1h"`
	Retention          time.Duration `env:"PAYHOOK_RETENTION" default:"840h" validate:"min=72h"`
	StoreTimeout       time.Duration `env:"PAYHOOK_STORE_TIMEOUT" default:"5s" validate:"min=100ms,max=25s"`
	PayPalSandbox      bool          `env:"PAYHOOK_PAYPAL_SANDBOX" default:"false"`
	// PayPalTransmissionWindow bounds how far PayPal's transmission time may
	// be from now. Every attempt is a new transmission (docs/decisions.md),
	// so this needs to cover clock skew and transit only; it stays within
	// the shortest retention, which keeps every binding it relies on.
	PayPalTransmissionWindow time.Duration `env:"PAYHOOK_PAYPAL_TRANSMISSION_WINDOW" default:"5m" validate:"min=1m,max=72h"`
	LogLevel                 string        `env:"PAYHOOK_LOG_LEVEL" default:"info" validate:"oneof=debug info warn error"`
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
	TableName      string        `env:"PAYHOOK_TABLE_NAME" validate:"required,min=3,max=255"`
	SecretsARN     string        `env:"PAYHOOK_SECRETS_ARN" validate:"required,startswith=arn:"`
	SecretsRefresh time.Duration `env:"PAYHOOK_SECRETS_REFRESH" default:"5m" validate:"min=10s,max=1h"`
}

// Processor configures the processor Lambda.
type Processor struct {
	TableName     string `env:"PAYHOOK_TABLE_NAME" validate:"required,min=3,max=255"`
	DLQURL        string `env:"PAYHOOK_DLQ_URL" validate:"required,url"`
	AlertTopicARN string `env:"PAYHOOK_ALERT_TOPIC_ARN" validate:"required,startswith=arn:"`
	// EventBusName, when set, receives every normalized event.
	EventBusName  string `env:"PAYHOOK_EVENT_BUS_NAME" validate:"omitempty,max=256"`
	CriticalTypes string `env:"PAYHOOK_CRITICAL_EVENT_TYPES" default:"dispute.opened,payment.failed"`
	// SecretsARN, when set, holds the providers' API credentials the
	// processor confirms deliveries and reads amounts with.
	SecretsARN     string        `env:"PAYHOOK_SECRETS_ARN" validate:"omitempty,startswith=arn:"`
	SecretsRefresh time.Duration `env:"PAYHOOK_SECRETS_REFRESH" default:"5m" validate:"min=10s,max=1h"`
	PayPalSandbox  bool          `env:"PAYHOOK_PAYPAL_SANDBOX" default:"false"`
	LogLevel       string        `env:"PAYHOOK_LOG_LEVEL" default:"info" validate:"oneof=debug info warn error"`
}

// Metrics configures the CloudWatch metrics the receiver and processor
// Lambdas write to their logs (Embedded Metric Format).
type Metrics struct {
	// Namespace is CloudWatch's: printable ASCII, not AWS's own (AWS/...).
	Namespace string `env:"PAYHOOK_METRICS_NAMESPACE" default:"payhook" validate:"max=255,printascii"`
}

func (m Metrics) check() error {
	if strings.HasPrefix(m.Namespace, "AWS/") {
		return errors.New("PAYHOOK_METRICS_NAMESPACE: must not start with AWS/")
	}
	return nil
}

// Reconcile configures reconciliation against providers' event APIs and
// the confirmation of deliveries, locally and on AWS.
type Reconcile struct {
	// Window is how far back a scheduled run looks at most.
	Window time.Duration `env:"PAYHOOK_RECONCILE_WINDOW" default:"72h" validate:"min=15m,max=720h"`
	// PayPalConfirm confirms each delivered PayPal event with PayPal's API
	// before acting on it, when PayPal's API credentials are set.
	PayPalConfirm bool `env:"PAYHOOK_PAYPAL_CONFIRM" default:"true"`
	// CheckoutConfirm confirms each delivered Checkout.com event with
	// Checkout.com's API before acting on it, when its access key is set.
	CheckoutConfirm bool `env:"PAYHOOK_CHECKOUT_CONFIRM" default:"true"`
	// GoCardlessAmounts reads each GoCardless payment's (or refund's)
	// amount from GoCardless's API, which its webhooks leave out, when
	// GoCardless's API credentials are set.
	GoCardlessAmounts bool `env:"PAYHOOK_GOCARDLESS_AMOUNTS" default:"true"`
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
	TableName     string        `env:"PAYHOOK_TABLE_NAME" validate:"required,min=3,max=255"`
	SecretsARN    string        `env:"PAYHOOK_SECRETS_ARN" validate:"required,startswith=arn:"`
	AlertTopicARN string        `env:"PAYHOOK_ALERT_TOPIC_ARN" validate:"required,startswith=arn:"`
	Retention     time.Duration `env:"PAYHOOK_RETENTION" default:"840h" validate:"min=72h"`
	PayPalSandbox bool          `env:"PAYHOOK_PAYPAL_SANDBOX" default:"false"`
	LogLevel      string        `env:"PAYHOOK_LOG_LEVEL" default:"info" validate:"oneof=debug info warn error"`
}

// Auditor configures the auditor Lambda.
type Auditor struct {
	AlertTopicARN string `env:"PAYHOOK_ALERT_TOPIC_ARN" validate:"required,startswith=arn:"`
	LogLevel      string `env:"PAYHOOK_LOG_LEVEL" default:"info" validate:"oneof=debug info warn error"`
}

// Forwarder configures the forwarder Lambda, which delivers canonical
// events to the user's endpoints from the queues EventBridge rules fill.
type Forwarder struct {
	// Destinations is the JSON list the pipeline module writes
	// (forward.ParseAWSDestinations reads it).
	Destinations string `env:"PAYHOOK_FORWARD_DESTINATIONS" validate:"required"`
	// RetryWindow is how long a message is retried after it was queued;
	// the destinations' queues keep messages 14 days, SQS's most.
	RetryWindow    time.Duration `env:"PAYHOOK_FORWARD_RETRY_WINDOW" default:"24h" validate:"min=1h,max=168h"`
	SecretsRefresh time.Duration `env:"PAYHOOK_SECRETS_REFRESH" default:"5m" validate:"min=10s,max=1h"`
	LogLevel       string        `env:"PAYHOOK_LOG_LEVEL" default:"info" validate:"oneof=debug info warn error"`
}

var validate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	// Errors then name the environment variable rather than the Go field.
	v.RegisterTagNameFunc(func(f reflect.StructField) string { return f.Tag.Get("env") })
	return v
}()

// Load fills the struct pointed to by target from lookup (os.LookupEnv),
// applying defaults, then validates it.
func Load(lookup func(string) (string, bool), target any) error {
	v := reflect.ValueOf(target).Elem()
	t := v.Type()
	for i := range t.NumField() {
		field := t.Field(i)
		name := field.Tag.Get("env")
		raw, ok := lookup(name)
		raw = strings.TrimSpace(raw)
		if !ok || raw == "" {
			raw = field.Tag.Get("default")
		}
		if raw == "" {
			continue
		}
		if err := set(v.Field(i), raw); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := validate.Struct(target); err != nil {
		var invalid validator.ValidationErrors
		if errors.As(err, &invalid) {
			return describe(invalid[0])
		}
		return err
	}
	if c, ok := target.(interface{ check() error }); ok {
		return c.check()
	}
	return nil
}

func set(field reflect.Value, raw string) error {
	switch {
	case field.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(raw)
		if err != nil {
			return errors.New("not a duration (examples: 30s, 5m, 840h)")
		}
		field.SetInt(int64(d))
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
func describe(fe validator.FieldError) error {
	switch fe.Tag() {
	case "required":
		return fmt.Errorf("%s: required", fe.Field())
	case "min":
		return fmt.Errorf("%s: must be at least %s", fe.Field(), fe.Param())
	case "max":
		return fmt.Errorf("%s: must be at most %s", fe.Field(), fe.Param())
	case "oneof":
		return fmt.Errorf("%s: must be one of %s", fe.Field(), strings.ReplaceAll(fe.Param(), " ", ", "))
	case "startswith":
		return fmt.Errorf("%s: must start with %s", fe.Field(), fe.Param())
	case "url":
		return fmt.Errorf("%s: must be a URL", fe.Field())
	case "printascii":
		return fmt.Errorf("%s: must be printable ASCII", fe.Field())
	}
	return fmt.Errorf("%s: fails %s", fe.Field(), fe.Tag())
}
