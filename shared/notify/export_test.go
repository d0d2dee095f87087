package notify

// Subject and Bounded expose what SNS is given, for the tests.
var (
	Subject = Alert.subject
	Bounded = Alert.bounded
)
