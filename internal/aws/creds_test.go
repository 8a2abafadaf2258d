package aws

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// awsHome makes a temporary HOME with ~/.aws/config and credentials and
// points the SDK at it, with nothing inherited from the environment.
func awsHome(t *testing.T, config, credentials string) string {
	t.Helper()
	home := t.TempDir()
	dir := filepath.Join(home, ".aws")
	if err := os.MkdirAll(filepath.Join(dir, "sso", "cache"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"config": config, "credentials": credentials} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range map[string]string{
		"HOME": home, "AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_KINESIS": "",
		"AWS_ENDPOINT_URL_STS": "", "AWS_ENDPOINT_URL": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "",
	} {
		t.Setenv(k, v)
	}
	return home
}

// ssoCache writes a cached SSO token as the AWS CLI does, keyed by the SHA-1
// of the start URL (legacy profiles) or of the sso-session name.
func ssoCache(t *testing.T, home, key string, expires time.Time) {
	t.Helper()
	sum := sha1.Sum([]byte(key))
	body := `{"accessToken":"cached-token","expiresAt":"` + expires.UTC().Format(time.RFC3339) + `","region":"us-east-1","startUrl":"https://example.awsapps.com/start"}`
	if err := os.WriteFile(filepath.Join(home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// describe makes one read through a fresh Backend and returns its error.
func describe(t *testing.T, c Config) error {
	t.Helper()
	b, err := Connect(context.Background(), c, Options{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = b.DescribeStream(ctx, "s")
	return err
}

func wantKind(t *testing.T, err error, kind ErrorKind, fragments ...string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Kind != kind {
		t.Fatalf("error %v (%T), want kind %d", err, err, kind)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
	if strings.Contains(err.Error(), "Sup3rS3cretValue") || strings.Contains(err.Error(), "cached-token") {
		t.Errorf("error leaks a secret: %q", err)
	}
}

func TestUnknownProfileNamesTheFix(t *testing.T) {
	awsHome(t, "[profile ops]\nregion = eu-west-1\n", "")
	_, err := Connect(context.Background(), Config{Profile: "opps"}, Options{})
	wantKind(t, err, KindUnknownProfile, `"opps"`, "aws configure list-profiles", "--profile")
}

func TestMissingRegionNamesTheFix(t *testing.T) {
	awsHome(t, "[profile ops]\noutput = json\n", "[ops]\naws_access_key_id = AKID\naws_secret_access_key = Sup3rS3cretValue\n")
	_, err := Connect(context.Background(), Config{Profile: "ops"}, Options{})
	wantKind(t, err, KindNoRegion, "--region", "AWS_REGION", "aws configure set region REGION --profile ops")
}

func TestNoCredentialsNamesTheFix(t *testing.T) {
	awsHome(t, "", "")
	err := describe(t, Config{Region: "us-east-1", KinesisEndpoint: "http://127.0.0.1:1"})
	wantKind(t, err, KindNoCredentials, "no AWS credentials", "aws configure sso", "--profile")
}

func TestExpiredSSOSessionNamesLogin(t *testing.T) {
	t.Run("legacy sso_start_url profile", func(t *testing.T) {
		home := awsHome(t, `[profile sre]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = SRE
region = us-east-1
`, "")
		ssoCache(t, home, "https://example.awsapps.com/start", time.Now().Add(-time.Hour))
		wantKind(t, describe(t, Config{Profile: "sre", KinesisEndpoint: "http://127.0.0.1:1"}), KindSSOExpired,
			"SSO session for profile sre has expired", "aws sso login --profile sre")
	})
	t.Run("sso-session profile", func(t *testing.T) {
		home := awsHome(t, `[profile sre]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = SRE
region = us-east-1

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
`, "")
		ssoCache(t, home, "corp", time.Now().Add(-time.Hour))
		wantKind(t, describe(t, Config{Profile: "sre", KinesisEndpoint: "http://127.0.0.1:1"}), KindSSOExpired, "aws sso login --profile sre")
	})
}

func TestFailingCredentialHelper(t *testing.T) {
	awsHome(t, "[profile helper]\nregion = us-east-1\ncredential_process = /bin/false\n", "")
	wantKind(t, describe(t, Config{Profile: "helper", KinesisEndpoint: "http://127.0.0.1:1"}), KindCredentialHelper,
		"credential_process of profile helper failed", "Re-run your credential helper")
}

func TestExpiredAndRejectedSessionCredentials(t *testing.T) {
	for code, kind := range map[string]string{
		"ExpiredTokenException":       "have expired",
		"UnrecognizedClientException": "rejected the credentials",
	} {
		t.Run(code, func(t *testing.T) {
			awsHome(t, "", "[default]\naws_access_key_id = ASIAOLD\naws_secret_access_key = Sup3rS3cretValue\naws_session_token = old\n")
			f := newFakeAWS(t)
			f.kinesis = func(string, int, map[string]any) (int, string) {
				return 400, `{"__type":"` + code + `","message":"The security token included in the request is expired"}`
			}
			err := describe(t, Config{Region: "us-east-1", KinesisEndpoint: f.srv.URL})
			wantKind(t, err, KindCredentialsExpired, kind, "credential helper")
		})
	}
}

func TestAssumeRoleWithMFA(t *testing.T) {
	config := `[profile base]
region = us-east-1

[profile admin]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice
region = us-east-1
`
	creds := "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = Sup3rS3cretValue\n"

	t.Run("without a prompt", func(t *testing.T) {
		awsHome(t, config, creds)
		_, err := Connect(context.Background(), Config{Profile: "admin"}, Options{})
		wantKind(t, err, KindMFARequired, "profile admin assumes a role that requires an MFA code")
	})

	t.Run("the prompt supplies the code", func(t *testing.T) {
		awsHome(t, config, creds)
		var stsForm url.Values
		sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, _ := io.ReadAll(r.Body)
			stsForm, _ = url.ParseQuery(string(raw))
			w.Header().Set("Content-Type", "text/xml")
			io.WriteString(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>secret2</SecretAccessKey><SessionToken>tok</SessionToken>
<Expiration>`+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+`</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/Admin/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`)
		}))
		defer sts.Close()
		t.Setenv("AWS_ENDPOINT_URL_STS", sts.URL)
		f := newFakeAWS(t)
		f.kinesis = func(string, int, map[string]any) (int, string) { return 200, summaryJSON }
		var asked []string
		b, err := Connect(context.Background(), Config{Profile: "admin", KinesisEndpoint: f.srv.URL,
			MFACode: func(serial string) (string, error) { asked = append(asked, serial); return "123456", nil }}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.DescribeStream(context.Background(), "s"); err != nil {
			t.Fatal(err)
		}
		if len(asked) != 1 || asked[0] != "arn:aws:iam::123456789012:mfa/alice" {
			t.Errorf("MFA prompt calls %v", asked)
		}
		if stsForm.Get("Action") != "AssumeRole" || stsForm.Get("TokenCode") != "123456" || stsForm.Get("SerialNumber") != "arn:aws:iam::123456789012:mfa/alice" {
			t.Errorf("AssumeRole request %v", stsForm)
		}
		if len(f.auth) == 0 || !strings.Contains(f.auth[0], "Credential=ASIAASSUMED/") {
			t.Errorf("Kinesis call not signed with the assumed role: %v", f.auth)
		}
		if b.Profile() != "admin" || b.Region() != "us-east-1" {
			t.Errorf("backend where: %s %s", b.Profile(), b.Region())
		}
	})
}
