package k8ssim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// What client-go's fake clientset lacks and a real API server does for
// Deployments, added with reactors so the production code under test sees
// the semantics it relies on:
//   - metadata.generation goes up when the spec changes (the rollout
//     watchers compare it with status.observedGeneration);
//   - metadata.resourceVersion changes on every write, and an update that
//     carries an older one fails with 409 Conflict;
//   - the scale subresource (GET, PUT and JSON-patch deployments/scale)
//     reads and writes spec.replicas (the fake would panic casting a
//     Deployment to a Scale);
//   - the status subresource changes only the status.

var deploymentsGVR = appsv1.SchemeGroupVersion.WithResource("deployments")

// deploymentServer serialises writes to Deployments, like etcd's
// compare-and-swap does for the API server.
type deploymentServer struct {
	mu      sync.Mutex
	tracker k8stesting.ObjectTracker
	rv      int64
}

// InstallDeploymentSemantics adds the reactors to cs. Call it before any
// Deployment is written through cs.
func InstallDeploymentSemantics(cs *fake.Clientset) {
	s := &deploymentServer{tracker: cs.Tracker(), rv: 1000}
	cs.PrependReactor("get", "deployments", s.get)
	cs.PrependReactor("update", "deployments", s.update)
	cs.PrependReactor("patch", "deployments", s.patch)
}

func (s *deploymentServer) load(ns, name string) (*appsv1.Deployment, error) {
	obj, err := s.tracker.Get(deploymentsGVR, ns, name)
	if err != nil {
		return nil, err
	}
	return obj.(*appsv1.Deployment), nil
}

// store writes next over cur, bumping resourceVersion and (when the spec
// changed) generation.
func (s *deploymentServer) store(cur, next *appsv1.Deployment) (*appsv1.Deployment, error) {
	next = next.DeepCopy()
	next.Generation = cur.Generation
	if !equality.Semantic.DeepEqual(cur.Spec, next.Spec) {
		next.Generation++
	}
	s.rv++
	next.ResourceVersion = strconv.FormatInt(s.rv, 10)
	next.UID, next.CreationTimestamp = cur.UID, cur.CreationTimestamp
	if err := s.tracker.Update(deploymentsGVR, next, next.Namespace); err != nil {
		return nil, err
	}
	return next, nil
}

func scaleOf(d *appsv1.Deployment) *autoscalingv1.Scale {
	replicas := int32(1)
	if d.Spec.Replicas != nil {
		replicas = *d.Spec.Replicas
	}
	sel := ""
	for k, v := range d.Spec.Selector.MatchLabels {
		if sel != "" {
			sel += ","
		}
		sel += k + "=" + v
	}
	return &autoscalingv1.Scale{
		TypeMeta: metav1.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"},
		ObjectMeta: metav1.ObjectMeta{
			Name: d.Name, Namespace: d.Namespace, UID: d.UID,
			ResourceVersion: d.ResourceVersion, CreationTimestamp: d.CreationTimestamp,
		},
		Spec:   autoscalingv1.ScaleSpec{Replicas: replicas},
		Status: autoscalingv1.ScaleStatus{Replicas: d.Status.Replicas, Selector: sel},
	}
}

func (s *deploymentServer) get(a k8stesting.Action) (bool, runtime.Object, error) {
	g := a.(k8stesting.GetAction)
	if g.GetSubresource() != "scale" {
		return false, nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.load(g.GetNamespace(), g.GetName())
	if err != nil {
		return true, nil, err
	}
	return true, scaleOf(d), nil
}

func (s *deploymentServer) update(a k8stesting.Action) (bool, runtime.Object, error) {
	u := a.(k8stesting.UpdateAction)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch u.GetSubresource() {
	case "scale":
		sc := u.GetObject().(*autoscalingv1.Scale)
		cur, err := s.load(u.GetNamespace(), sc.Name)
		if err != nil {
			return true, nil, err
		}
		if err := precondition(sc.ResourceVersion, cur); err != nil {
			return true, nil, err
		}
		next := cur.DeepCopy()
		replicas := sc.Spec.Replicas
		next.Spec.Replicas = &replicas
		stored, err := s.store(cur, next)
		if err != nil {
			return true, nil, err
		}
		return true, scaleOf(stored), nil
	case "status":
		in := u.GetObject().(*appsv1.Deployment)
		cur, err := s.load(u.GetNamespace(), in.Name)
		if err != nil {
			return true, nil, err
		}
		if err := precondition(in.ResourceVersion, cur); err != nil {
			return true, nil, err
		}
		next := cur.DeepCopy()
		next.Status = in.Status
		stored, err := s.store(cur, next)
		return true, stored, err
	case "":
		in := u.GetObject().(*appsv1.Deployment)
		cur, err := s.load(u.GetNamespace(), in.Name)
		if err != nil {
			return true, nil, err
		}
		if err := precondition(in.ResourceVersion, cur); err != nil {
			return true, nil, err
		}
		next := in.DeepCopy()
		next.Status = cur.Status // the main resource ignores status changes
		stored, err := s.store(cur, next)
		return true, stored, err
	}
	return false, nil, nil
}

func (s *deploymentServer) patch(a k8stesting.Action) (bool, runtime.Object, error) {
	p := a.(k8stesting.PatchAction)
	if p.GetSubresource() == "scale" && p.GetPatchType() == types.JSONPatchType {
		return s.patchScale(p)
	}
	if p.GetSubresource() != "" || p.GetPatchType() != types.StrategicMergePatchType {
		return false, nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.load(p.GetNamespace(), p.GetName())
	if err != nil {
		return true, nil, err
	}
	orig, err := json.Marshal(cur)
	if err != nil {
		return true, nil, err
	}
	merged, err := strategicpatch.StrategicMergePatch(orig, p.GetPatch(), appsv1.Deployment{})
	if err != nil {
		return true, nil, apierrors.NewBadRequest(fmt.Sprintf("invalid strategic merge patch: %v", err))
	}
	var next appsv1.Deployment
	if err := json.Unmarshal(merged, &next); err != nil {
		return true, nil, apierrors.NewBadRequest(err.Error())
	}
	next.Status = cur.Status
	stored, err := s.store(cur, &next)
	return true, stored, err
}

// patchScale applies a JSON patch to the Scale view of a Deployment, as
// the API server does; a failed "test" operation is a 422 Invalid.
func (s *deploymentServer) patchScale(p k8stesting.PatchAction) (bool, runtime.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.load(p.GetNamespace(), p.GetName())
	if err != nil {
		return true, nil, err
	}
	patch, err := jsonpatch.DecodePatch(p.GetPatch())
	if err != nil {
		return true, nil, apierrors.NewBadRequest(fmt.Sprintf("invalid JSON patch: %v", err))
	}
	orig, err := json.Marshal(scaleOf(cur))
	if err != nil {
		return true, nil, err
	}
	patched, err := patch.Apply(orig)
	if err != nil {
		return true, nil, apierrors.NewInvalid(schema.GroupKind{Group: "autoscaling", Kind: "Scale"}, p.GetName(),
			field.ErrorList{field.Invalid(field.NewPath("spec", "replicas"), nil, err.Error())})
	}
	var sc autoscalingv1.Scale
	if err := json.Unmarshal(patched, &sc); err != nil {
		return true, nil, apierrors.NewBadRequest(err.Error())
	}
	next := cur.DeepCopy()
	next.Spec.Replicas = &sc.Spec.Replicas
	stored, err := s.store(cur, next)
	// The API server answers with the Scale, but client-go's typed fake
	// casts a patch result to the resource's type (a Scale would panic),
	// and the production code ignores the body: answer with the Deployment.
	return true, stored, err
}

// precondition is the API server's optimistic concurrency check.
func precondition(rv string, cur *appsv1.Deployment) error {
	if rv != "" && rv != cur.ResourceVersion {
		return apierrors.NewConflict(deploymentsGVR.GroupResource(), cur.Name,
			fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
	}
	return nil
}

// AllowAccessReviews makes every SelfSubjectAccessReview answer "allowed"
// (the fake clientset echoes the request back with Allowed false).
func AllowAccessReviews(cs *fake.Clientset) {
	cs.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview).DeepCopy()
		r.Status = authorizationv1.SubjectAccessReviewStatus{Allowed: true, Reason: "demo: every action is allowed"}
		return true, r, nil
	})
}

// DenyAccess makes SelfSubjectAccessReviews for verb on group/resource
// (subresource may be "") answer "not allowed", like RBAC without a
// matching rule; others are allowed. Later calls take precedence.
func DenyAccess(cs *fake.Clientset, verb, group, resource, subresource string) {
	cs.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview).DeepCopy()
		ra := r.Spec.ResourceAttributes
		if ra == nil || ra.Verb != verb || ra.Group != group || ra.Resource != resource || ra.Subresource != subresource {
			return false, nil, nil
		}
		r.Status = authorizationv1.SubjectAccessReviewStatus{Allowed: false}
		return true, r, nil
	})
}
