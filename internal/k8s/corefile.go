package k8s

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/opsconsole/internal/k8s/corefile"
)

// CorefileKey is the ConfigMap key CoreDNS reads its configuration from.
const CorefileKey = "Corefile"

// CorefileReport is the Corefile as the pane shows it.
type CorefileReport struct {
	// ConfigMap is "namespace/name".
	ConfigMap string
	// Raw is the Corefile text exactly as stored (unsanitised).
	Raw string
	// Parsed is nil when ParseErr is set.
	Parsed   *corefile.Corefile
	ParseErr error
	// Findings are the linter's, in Corefile order.
	Findings []corefile.Finding
}

// Corefile reads the CoreDNS ConfigMap, parses its Corefile and lints it.
// A Corefile that does not parse is reported in the result, not as an
// error: the operator still needs to see the text.
func (c *Client) Corefile(ctx context.Context) (CorefileReport, error) {
	ns, name := c.cfg.Namespace, c.cfg.ConfigMapName
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	cm, err := c.cs.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return CorefileReport{}, explain(err, access{Verb: "get", Resource: "configmaps", Namespace: ns, Name: name})
	}
	r := CorefileReport{ConfigMap: ns + "/" + name}
	raw, ok := cm.Data[CorefileKey]
	if !ok {
		return r, fmt.Errorf("ConfigMap %s has no %q key, so CoreDNS has no configuration from it; check the Deployment's volume for the ConfigMap and key it mounts", r.ConfigMap, CorefileKey)
	}
	r.Raw = raw
	r.Parsed, r.ParseErr = corefile.Parse(raw)
	if r.ParseErr == nil {
		r.Findings = corefile.Lint(r.Parsed)
	}
	return r, nil
}
