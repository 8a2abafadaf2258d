// Command kube-apiserver is the upstream Kubernetes API server, built from the
// k8s.io/kubernetes module at the release that matches the client-go version
// opsconsole uses. It exists only so the integration tests in internal/k8s
// can talk to a real API server (with real RBAC, watches and subresources)
// instead of client-go's fake clientset. scripts/peers/kube-apiserver.sh
// builds it into .cache/peers/bin.
//
// This is upstream's cmd/kube-apiserver/apiserver.go main, unchanged in
// substance.
package main

import (
	"os"
	_ "time/tzdata" // the API server validates CronJob time zones

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // --logging-format=json
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
