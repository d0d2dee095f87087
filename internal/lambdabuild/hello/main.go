// Command hello is a hello-world aws-lambda-go function, nothing but
// lambda.Start: the baseline the functions' cold starts are measured
// against (docs/benchmarks.md), built with the same flags as they are.
// It is not deployed.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() (string, error) { return "hello", nil })
}
