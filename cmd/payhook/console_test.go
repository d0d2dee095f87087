//go:build !sandbox

// These tests run payhook serve, payhook console and DynamoDB Local.

package main_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/testenv"
	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/dynamo"
)

var consoleLine = regexp.MustCompile(`^console: (http://127\.0\.0\.1:\d+/console/login\?token=[0-9a-f]{64}) `)

// noRedirects is a client that shows each answer as it is.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// TestConsoleGivesANewLinkToServesConsole: the banner's link works once;
// payhook console asks the running serve for another.
func TestConsoleGivesANewLinkToServesConsole(t *testing.T) {
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "data")
	serve, _ := startServe(t, dir)
	banner := serve.Stdout.(interface{ String() string }).String()
	var first string
	for _, line := range strings.Split(banner, "\n") {
		if m := consoleLine.FindStringSubmatch(line); m != nil {
			first = m[1]
		}
	}
	is.True(first != "") // serve's banner has a console: line
	stdout, stderr, code := payhook(t, "console", "--data", dir)
	is.Equal(stderr, "")
	is.Equal(code, 0)
	m := consoleLine.FindStringSubmatch(stdout)
	is.True(m != nil)
	for _, link := range []string{first, m[1]} {
		resp, err := noRedirects.Get(link)
		is.NoErr(err)
		_ = resp.Body.Close() // the status and cookie are the answer
		is.Equal(resp.StatusCode, http.StatusSeeOther)
		cookie := resp.Header.Get("Set-Cookie")
		is.True(strings.Contains(cookie, "HttpOnly") && strings.Contains(cookie, "SameSite=Strict"))
		resp, err = noRedirects.Get(link)
		is.NoErr(err)
		_ = resp.Body.Close()
		is.Equal(resp.StatusCode, http.StatusForbidden) // once only
	}
}

// TestConsoleOnDynamoDB serves the console against a table, as an
// operator does against a deployment with their own credentials, and
// redrives a dead letter from it.
func TestConsoleOnDynamoDB(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	client := testenv.DynamoDB(t)
	table := testenv.UniqueName(t)
	is.NoErr(dynamo.CreateTable(ctx, client, table))
	st := dynamo.New(client, table)
	seedFailed(t, st, "square", 2)

	cmd := exec.Command(binary, "console", "--table", table, "--region", testenv.Region)
	cmd.Env = append(cleanEnv(), "AWS_ENDPOINT_URL_DYNAMODB="+testenv.DynamoDBEndpoint(t), "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local")
	stdout, err := cmd.StdoutPipe()
	is.NoErr(err)
	is.NoErr(cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	is.NoErr(err)
	m := consoleLine.FindStringSubmatch(line)
	is.True(m != nil)
	base := m[1][:strings.Index(m[1], "/console/")]

	jar, err := cookiejar.New(nil)
	is.NoErr(err)
	browser := &http.Client{Jar: jar}
	page := func(path string) string {
		t.Helper()
		resp, err := browser.Get(base + path)
		is.NoErr(err)
		defer func() { _ = resp.Body.Close() }() // read below
		body, err := io.ReadAll(resp.Body)
		is.NoErr(err)
		is.Equal(resp.StatusCode, http.StatusOK)
		return string(body)
	}
	resp, err := browser.Get(m[1])
	is.NoErr(err)
	_ = resp.Body.Close()
	dead := page("/console/dead")
	is.True(strings.Contains(dead, "table "+table+" on AWS"))
	is.Equal(strings.Count(dead, ">square-failed-"), 2)
	detail := page("/console/event?provider=square&id=square-failed-0")
	csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(detail)
	is.True(csrf != nil)

	form := url.Values{"csrf": {csrf[1]}, "provider": {"square"}, "event_id": {"square-failed-0"}}
	req, err := http.NewRequest(http.MethodPost, base+"/console/redrive", strings.NewReader(form.Encode()))
	is.NoErr(err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = browser.Do(req)
	is.NoErr(err)
	_ = resp.Body.Close()
	is.Equal(resp.StatusCode, http.StatusOK)
	w, err := st.GetWebhook(ctx, "square", "square-failed-0")
	is.NoErr(err)
	is.Equal(w.Status, store.StatusRetry) // the processor Lambda takes it from the stream
}
