package operate

import (
	"context"
	"errors"
	"time"

	"github.com/payhook/payhook/shared/provider/registry"
	"github.com/payhook/payhook/shared/reconcile"
	"github.com/payhook/payhook/shared/store"
)

func (d Table) Reconcile(ctx context.Context, provider string, since, until time.Time) (reconcile.Report, error) {
	if d.Reconciler == nil || d.Sources == nil {
		return reconcile.Report{}, errors.New("this operator cannot reconcile")
	}
	source, err := d.Sources(provider)
	if err != nil {
		return reconcile.Report{}, err
	}
	return d.Reconciler.Run(ctx, source.Provider, source.Events, since, until)
}

// CheckpointView is how far reconciliation of one provider has got.
type CheckpointView struct {
	Provider string `json:"provider"`
	// Through is the end of the last complete scheduled run: every event
	// the provider listed as created before it is stored. Zero: never run.
	Through   time.Time `json:"through,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Checkpoints reads the checkpoint of every provider with an event API.
func (d Table) Checkpoints(ctx context.Context) ([]CheckpointView, error) {
	var views []CheckpointView
	for _, p := range registry.All {
		if p.Events == nil {
			continue
		}
		c, err := d.Store.Checkpoint(ctx, p.Name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		views = append(views, CheckpointView{Provider: p.Name, Through: c.Through, UpdatedAt: c.UpdatedAt})
	}
	return views, nil
}
