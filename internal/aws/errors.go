package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

// ErrorKind sorts backend errors by what the operator has to do.
type ErrorKind int

const (
	KindOther ErrorKind = iota
	// KindSSOExpired: the SSO session is expired or was never started.
	KindSSOExpired
	// KindCredentialsExpired: session credentials (assume-role, credential
	// helper, exported keys) expired or were rejected.
	KindCredentialsExpired
	// KindNoCredentials: the default chain found nothing.
	KindNoCredentials
	// KindNoRegion: no region from flags, env or profile.
	KindNoRegion
	// KindUnknownProfile: the named profile is not in the config files.
	KindUnknownProfile
	// KindMFARequired: the profile assumes a role that needs an MFA code and
	// no prompt is available.
	KindMFARequired
	// KindCredentialHelper: credential_process failed.
	KindCredentialHelper
	// KindAccessDenied: authenticated, but IAM refuses the call.
	KindAccessDenied
	// KindNotFound: the stream or shard does not exist.
	KindNotFound
	// KindThrottled: AWS rate limits; retry later.
	KindThrottled
	// KindUnreachable: the endpoint did not answer.
	KindUnreachable
)

// Error is a backend error in the operator's words: Message says what failed
// and why, Fix what to do. Err keeps the SDK error for errors.As.
type Error struct {
	Kind    ErrorKind
	Message string
	Fix     string
	Err     error
}

func (e *Error) Error() string {
	if e.Fix == "" {
		return e.Message
	}
	return e.Message + ". " + e.Fix
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of a classified error (KindOther otherwise).
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

// where names the profile and region in messages.
type where struct{ profile, region string }

func (w where) profileFlag() string {
	if w.profile == "" {
		return ""
	}
	return " --profile " + shellQuote(w.profile)
}

func (w where) profileName() string {
	if w.profile == "" {
		return "default"
	}
	return w.profile
}

// classify turns an SDK error from doing what into an *Error. Errors it
// cannot place are wrapped with the action that failed. Context
// cancellation passes through unchanged, so callers can tell it apart.
func (w where) classify(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	e := &Error{Err: err}
	var (
		profileErr    config.SharedConfigProfileNotExistError
		mfaErr        config.AssumeRoleTokenProviderNotSetError
		ssoErr        *ssocreds.InvalidTokenError
		processErr    *processcreds.ProviderError
		notFoundErr   *types.ResourceNotFoundException
		apiErr        smithy.APIError
		netErr        net.Error
		dnsErr        *net.DNSError
		profileRegion = ""
	)
	if w.profile != "" {
		profileRegion = " or set region in profile " + w.profile + " (aws configure set region REGION --profile " + shellQuote(w.profile) + ")"
	}
	msg := err.Error()
	switch {
	case errors.As(err, &profileErr):
		e.Kind = KindUnknownProfile
		e.Message = fmt.Sprintf("AWS profile %q is not in ~/.aws/config or ~/.aws/credentials", profileErr.Profile)
		e.Fix = "Check the name with `aws configure list-profiles`, then pass it with --profile or AWS_PROFILE"
	case errors.As(err, &mfaErr):
		e.Kind = KindMFARequired
		e.Message = fmt.Sprintf("profile %s assumes a role that requires an MFA code (mfa_serial), and no prompt is available here", w.profileName())
		e.Fix = "Run the console in a terminal so it can ask for the code, or use a profile without mfa_serial"
	case errors.As(err, &ssoErr), strings.Contains(msg, "SSO token"), isAPICode(err, "UnauthorizedException") && strings.Contains(msg, "SSO"):
		e.Kind = KindSSOExpired
		e.Message = fmt.Sprintf("the AWS SSO session for profile %s has expired or was never started", w.profileName())
		e.Fix = "Run `aws sso login" + w.profileFlag() + "`, then retry"
	case errors.As(err, &processErr):
		e.Kind = KindCredentialHelper
		e.Message = fmt.Sprintf("the credential_process of profile %s failed", w.profileName())
		e.Fix = "Re-run your credential helper (aws-vault, saml2aws, granted...) and check it prints valid JSON credentials"
	case isAPICode(err, "ExpiredTokenException", "ExpiredToken", "RequestExpired", "TokenRefreshRequired"):
		e.Kind = KindCredentialsExpired
		e.Message = fmt.Sprintf("the AWS session credentials for profile %s have expired", w.profileName())
		e.Fix = "Renew them: `aws sso login" + w.profileFlag() + "` for SSO, or re-run your credential helper (aws-vault, saml2aws...) and export the new keys"
	case isAPICode(err, "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch", "IncompleteSignature"):
		e.Kind = KindCredentialsExpired
		e.Message = fmt.Sprintf("AWS rejected the credentials of profile %s (unknown access key or wrong secret)", w.profileName())
		e.Fix = "Check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile's keys, or re-run your credential helper"
	case strings.Contains(msg, "EC2 IMDS") || strings.Contains(msg, "no valid providers") || strings.Contains(msg, "failed to retrieve credentials"):
		e.Kind = KindNoCredentials
		e.Message = "no AWS credentials were found (no environment keys, no credentials for profile " + w.profileName() + ", and no instance role)"
		e.Fix = "Configure a profile (`aws configure` or `aws configure sso`) and pass --profile, or export AWS_PROFILE"
	case strings.Contains(msg, "Missing Region") || strings.Contains(msg, "Invalid region"):
		e.Kind = KindNoRegion
		e.Message = "no AWS region is set"
		e.Fix = "Pass --region, export AWS_REGION" + profileRegion
	case isAPICode(err, "AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
		e.Kind = KindAccessDenied
		e.Message = what + ": access denied by IAM for profile " + w.profileName()
		e.Fix = "Ask for the missing kinesis:/cloudwatch: permission named below, or use a profile that has it (runbook kinesis-permissions)"
	case errors.As(err, &notFoundErr):
		e.Kind = KindNotFound
		e.Message = what + ": not found in region " + w.region
		e.Fix = "Check the name and the region (--region), or list streams with :streams"
	case isAPICode(err, "LimitExceededException", "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "KMSThrottlingException"):
		e.Kind = KindThrottled
		e.Message = what + ": AWS is rate limiting this account"
		e.Fix = "Wait a little and retry; other tools sharing the account's limits may be busy"
	case errors.As(err, &dnsErr), errors.As(err, &netErr):
		e.Kind = KindUnreachable
		e.Message = what + ": the AWS endpoint did not answer"
		e.Fix = "Check the network, proxy settings and any --kinesis-endpoint/--cloudwatch-endpoint override"
	default:
		if errors.As(err, &apiErr) {
			return fmt.Errorf("%s: %s: %s", what, apiErr.ErrorCode(), apiErr.ErrorMessage())
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	if e.Kind == KindAccessDenied || e.Kind == KindNotFound {
		if errors.As(err, &apiErr) && apiErr.ErrorMessage() != "" {
			e.Fix += " (AWS said: " + apiErr.ErrorMessage() + ")"
		}
	}
	return e
}

func isAPICode(err error, codes ...string) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	for _, c := range codes {
		if apiErr.ErrorCode() == c {
			return true
		}
	}
	return false
}

// isThrottle reports whether a read should back off and retry.
func isThrottle(err error) bool {
	return isAPICode(err, "LimitExceededException", "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling")
}

// shellQuote quotes s for a POSIX shell when it needs it, so CLI previews
// can be pasted as they are.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/=@,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
