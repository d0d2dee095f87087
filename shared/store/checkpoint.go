package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Checkpoint is how far reconciliation of one provider has got: every
// event the provider listed as created before Through has been stored.
type Checkpoint struct {
	Provider  string
	Through   time.Time
	UpdatedAt time.Time
}

// Checkpoints keeps one checkpoint per provider.
type Checkpoints interface {
	// Checkpoint returns provider's checkpoint, or ErrNotFound before its
	// first complete run.
	Checkpoint(ctx context.Context, provider string) (Checkpoint, error)
	// SaveCheckpoint records c, replacing the provider's previous one.
	SaveCheckpoint(ctx context.Context, c Checkpoint) error
}

// CheckpointItem encodes c as a table item. It never expires: a provider
// left unreconciled for a while resumes from where it stopped.
func CheckpointItem(c Checkpoint) Item {
	pk, sk := CheckpointKey(c.Provider)
	return Item{
		AttrPK:        events.NewStringAttribute(pk),
		AttrSK:        events.NewStringAttribute(sk),
		AttrProvider:  events.NewStringAttribute(c.Provider),
		AttrAt:        events.NewStringAttribute(formatTime(c.Through)),
		AttrUpdatedBy: events.NewStringAttribute(ByReconcile),
		AttrUpdatedAt: events.NewStringAttribute(formatTime(c.UpdatedAt)),
	}
}

// DecodeCheckpoint reads a checkpoint item.
func DecodeCheckpoint(item Item) (Checkpoint, error) {
	if KindOf(item) != KindCheckpoint {
		return Checkpoint{}, errors.New("item is not a reconcile checkpoint")
	}
	c := Checkpoint{Provider: str(item, AttrProvider)}
	var err error
	if c.Through, err = parseTime(str(item, AttrAt)); err != nil {
		return Checkpoint{}, err
	}
	if c.UpdatedAt, err = parseTime(str(item, AttrUpdatedAt)); err != nil {
		return Checkpoint{}, err
	}
	return c, nil
}
