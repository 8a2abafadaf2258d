package aws

import (
	"context"
	"os"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// Config is how the console reaches AWS. Empty fields fall back to the SDK's
// standard chain: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_KINESIS,
// ~/.aws/config (SSO, assume-role, credential_process profiles) and so on.
type Config struct {
	Profile string
	Region  string
	// KinesisEndpoint and CloudWatchEndpoint override the service endpoints
	// (a local emulator such as kinesis-local).
	KinesisEndpoint    string
	CloudWatchEndpoint string
	// MFACode is asked for a one-time code when an assume-role profile has
	// mfa_serial; serial names the device. It may block until the operator
	// has typed the code (the UI prompts). Nil means no prompt is available,
	// and such profiles fail with KindMFARequired.
	MFACode func(serial string) (string, error)

	// readBackoff replaces the read retryer's backoff (tests only).
	readBackoff retry.BackoffDelayer
}

// Read retries: reads back off on throttling and transient errors. The
// retry quota (token bucket) is off so that a burst of throttles during a
// 1,000-stream refresh slows down instead of failing outright.
const (
	readMaxAttempts = 6
	readMaxBackoff  = 20 * time.Second
)

func (c Config) readRetryer() sdkaws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = readMaxAttempts
		o.MaxBackoff = readMaxBackoff
		o.RateLimiter = ratelimit.None
		if c.readBackoff != nil {
			o.Backoff = c.readBackoff
		}
	})
}

// noRetry is the per-operation option every mutating call carries: one
// attempt, whatever the error, because a retried SplitShard or
// UpdateShardCount is a second change.
func noRetry(o *kinesis.Options) { o.Retryer = sdkaws.NopRetryer{} }

// Connect loads the AWS configuration through the SDK's default chain and
// returns a Backend on the real Kinesis and CloudWatch clients (o tunes it;
// its Profile, Region and KinesisEndpoint are filled in from c and the
// resolved configuration). It fails
// early, in the operator's words, for an unknown profile, a missing region
// or an MFA profile without a prompt; credential problems that only show on
// the first call (expired SSO session, expired keys) are classified there.
func Connect(ctx context.Context, c Config, o Options) (*Backend, error) {
	w := where{profile: c.Profile, region: c.Region}
	if w.profile == "" {
		w.profile = os.Getenv("AWS_PROFILE")
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(c.readRetryer),
		config.WithAssumeRoleCredentialOptions(func(o *stscreds.AssumeRoleOptions) {
			if c.MFACode == nil {
				return
			}
			serial := sdkaws.ToString(o.SerialNumber)
			o.TokenProvider = func() (string, error) { return c.MFACode(serial) }
		}),
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, w.classify(err, "loading the AWS configuration")
	}
	if cfg.Region == "" {
		return nil, w.classify(errMissingRegion, "loading the AWS configuration")
	}
	w.region = cfg.Region
	k := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) {
		if c.KinesisEndpoint != "" {
			o.BaseEndpoint = sdkaws.String(c.KinesisEndpoint)
		}
	})
	cw := cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
		if c.CloudWatchEndpoint != "" {
			o.BaseEndpoint = sdkaws.String(c.CloudWatchEndpoint)
		}
	})
	endpoint := c.KinesisEndpoint
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL_KINESIS")
	}
	o.Profile, o.Region, o.KinesisEndpoint = w.profile, w.region, endpoint
	return NewBackend(k, cw, o), nil
}

type missingRegion struct{}

func (missingRegion) Error() string { return "Missing Region" }

var errMissingRegion error = missingRegion{}
