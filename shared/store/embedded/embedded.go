// Package embedded is the single-machine store: bbolt, one file, fsync'd
// on every commit. Items are kept in the same shape as DynamoDB's, and every
// write appends a change record shaped like a DynamoDB Streams record in the
// same transaction, so the local pipeline reads the same records Lambda gets.
package embedded

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/payhook/payhook/shared/store"
	"github.com/payhook/payhook/shared/store/itemjson"
)

var (
	itemsBucket   = []byte("items")
	changesBucket = []byte("changes")
)

// Options tune durability and batching.
type Options struct {
	// NoSync skips fsync on commit: for benchmarks only, never for payments.
	NoSync bool
	// MaxBatchDelay bounds how long a write waits to share a commit (and its
	// fsync) with concurrent writes. Zero means 5 ms: measured on 2 cores
	// with 64 senders, 5 ms gave 1.5x the throughput of 1 ms, and 200 us
	// a third of it (docs/benchmarks.md).
	MaxBatchDelay time.Duration
	// Consumers name every consumer of the change feed. A change record
	// all of them have checkpointed past is deleted, so the feed (and the
	// bodies in its images) does not outlive its use. None named: the
	// feed is kept whole.
	Consumers []string
	// OnCommit, when set, is told of every write that committed: which
	// operation, and how long it took to be durable (waiting to share a
	// commit included). It must be quick and safe for concurrent use.
	OnCommit func(operation string, took time.Duration)
	// DamageAdvice ends every DamagedError: what to do, in the words of
	// the store's user.
	DamageAdvice string
	// Log receives every panic the store recovers, with its stack: at
	// error when code other than bbolt's raised it (a bug), at debug when
	// bbolt did, reading a damaged file. Zero: not logged.
	Log zerolog.Logger
}

// Store is the bbolt adapter of the store port.
type Store struct {
	db        *bolt.DB
	feed      feedSignal
	forwards  feedSignal
	consumers []string
	log       zerolog.Logger
	onCommit  func(operation string, took time.Duration)
	// damageAdvice: Options.DamageAdvice.
	damageAdvice string
	// items decodes the stored items, sharing what it learns across them.
	items itemjson.Decoder
}

// Open opens or creates the store at path. A second process opening the same
// file waits up to a second for the lock, then fails with a clear error.
// A damaged file is a *DamagedError: the file's structure is walked
// first (for at most 10 s, values decoded for the first 200 ms of it),
// and a panic inside bbolt while opening is recovered.
func Open(path string, opts Options) (*Store, error) {
	if err := inspect(path, &opts.Log); err != nil {
		var damage *DamagedError
		if errors.As(err, &damage) {
			damage.Advice = opts.DamageAdvice
		}
		return nil, err
	}
	// The hashmap freelist, not written on commit (rebuilt on open), keeps
	// commits cheap as the file grows: a write-heavy file's usual setting.
	var db *bolt.DB
	var panicked *panicError
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				panicked = recovered(r)
				err = panicked
			}
		}()
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, NoSync: opts.NoSync, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
		return err
	}()
	switch {
	case panicked != nil:
		logPanic(&opts.Log, panicked, "opening "+path)
		return nil, &DamagedError{Path: path, Damage: []string{brief(err)}, Advice: opts.DamageAdvice}
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("open %s: %w", path, store.ErrLocked)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.MaxBatchDelay = opts.MaxBatchDelay
	if db.MaxBatchDelay <= 0 {
		db.MaxBatchDelay = 5 * time.Millisecond
	}
	s := &Store{db: db, consumers: opts.Consumers, log: opts.Log, onCommit: opts.OnCommit, damageAdvice: opts.DamageAdvice}
	err = s.described(db.Update(guard(func(tx *bolt.Tx) error {
		indexed, webhooksIndexed := tx.Bucket(expiryBucket) != nil, tx.Bucket(byReceivedBucket) != nil
		buckets := [][]byte{itemsBucket, changesBucket, checkpointsBucket, deadLettersBucket, forwardsBucket, deadForwardsBucket, forwardStatusBucket, forwardHoldsBucket, forwardLogBucket, expiryBucket}
		for _, name := range append(buckets, webhookIndexes...) {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		switch {
		case !indexed:
			return buildExpiryIndex(tx, &s.items) // which builds the webhook indexes too
		case !webhooksIndexed:
			return buildWebhookIndexes(tx, &s.items)
		}
		return nil
	})))
	var damage *DamagedError
	switch {
	case errors.As(err, &damage):
		return nil, errors.Join(err, db.Close())
	case err != nil:
		return nil, errors.Join(fmt.Errorf("open %s: %w", path, err), db.Close())
	}
	return s, nil
}

// Operations, as OnCommit names them.
const (
	OpPutWebhook         = "put_webhook"
	OpPutWebhooks        = "put_webhooks"
	OpBindTransmission   = "bind_transmission"
	OpCommitProcessed    = "commit_processed"
	OpPutWebhookIfStatus = "put_webhook_if_status"
	OpSaveCheckpoint     = "save_checkpoint"
	OpTransaction        = "transaction"
	OpFeedCheckpoint     = "feed_checkpoint"
	OpFeedDeadLetter     = "feed_dead_letter"
	OpDeadLetterSend     = "dead_letter_send"
	OpDeadLetterReceive  = "dead_letter_receive"
	OpDeadLetterDelete   = "dead_letter_delete"
	OpExpire             = "expire"
	OpDeleteWebhook      = "delete_webhook"
	OpForwardUpdate      = "forward_update"
	OpForwardRedrive     = "forward_redrive"
	OpForwardResend      = "forward_resend"
)

// update is db.Update, timed for OnCommit.
func (s *Store) update(operation string, fn func(*bolt.Tx) error) error {
	return s.timed(operation, s.db.Update, fn)
}

// batch is db.Batch, timed for OnCommit.
func (s *Store) batch(operation string, fn func(*bolt.Tx) error) error {
	return s.timed(operation, s.db.Batch, fn)
}

func (s *Store) timed(operation string, run func(func(*bolt.Tx) error) error, fn func(*bolt.Tx) error) error {
	if s.onCommit == nil {
		return s.described(run(guard(fn)))
	}
	started := time.Now()
	err := run(guard(fn))
	if err == nil {
		s.onCommit(operation, time.Since(started))
	}
	return s.described(err)
}

// view is db.View, with damage found said as a DamagedError.
func (s *Store) view(fn func(*bolt.Tx) error) error {
	return s.described(s.db.View(guard(fn)))
}

// Close flushes and closes the file.
func (s *Store) Close() error { return s.db.Close() }

func itemKey(pk, sk string) []byte { return []byte(pk + "\x00" + sk) }

// PutWebhook writes the item and its INSERT change record in one commit.
// Concurrent calls share commits (bbolt's Batch), so a burst costs one fsync
// rather than one per delivery.
func (s *Store) PutWebhook(ctx context.Context, w store.Webhook) (bool, error) {
	item, err := store.WebhookItem(w)
	if err != nil {
		return false, err
	}
	return s.insertIfAbsent(ctx, OpPutWebhook, item, nil)
}

// BindTransmission inserts the binding unless one exists, in a shared
// commit like PutWebhook, and otherwise compares the stored digest.
func (s *Store) BindTransmission(ctx context.Context, b store.Binding) (bool, error) {
	return s.insertIfAbsent(ctx, OpBindTransmission, store.TransmissionItem(b), func(stored []byte) (bool, error) {
		item, err := decodeItem(&s.items, stored)
		if err != nil {
			return false, err
		}
		return store.SameBody(item, b)
	})
}

// PutWebhooks writes the new items of the batch and their INSERT change
// records in one commit of its own: a batch is already many writes behind
// one fsync. A later copy of a key within ws finds the first one written,
// as a transaction's reads see its own writes.
func (s *Store) PutWebhooks(ctx context.Context, ws []store.Webhook) ([]bool, error) {
	type pending struct {
		item         store.Item
		key, encoded []byte
	}
	batch := make([]pending, len(ws))
	for i, w := range ws {
		item, err := store.WebhookItem(w)
		if err != nil {
			return nil, err
		}
		key, encoded, err := encode(item)
		if err != nil {
			return nil, err
		}
		batch[i] = pending{item, key, encoded}
	}
	if err := ctx.Err(); err != nil {
		return nil, store.Unavailable(err)
	}
	created := make([]bool, len(ws))
	err := s.update(OpPutWebhooks, func(tx *bolt.Tx) error {
		for i, p := range batch {
			current, err := insert(tx, p.key, p.encoded, p.item)
			if err != nil {
				return err
			}
			created[i] = current == nil
		}
		return nil
	})
	if err != nil {
		return nil, store.Unavailable(err)
	}
	if slices.Contains(created, true) {
		s.feed.notify()
	}
	return created, nil
}

// insertIfAbsent writes item and its INSERT change record in one commit,
// unless an item with its keys exists. Then it reports false, or what
// matches says of the stored item: a binding compares its digest; a
// duplicate webhook is never read.
func (s *Store) insertIfAbsent(ctx context.Context, operation string, item store.Item, matches func(stored []byte) (bool, error)) (bool, error) {
	key, encoded, err := encode(item)
	if err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, store.Unavailable(err)
	}
	var created, match bool
	var matchErr error
	err = s.batch(operation, func(tx *bolt.Tx) error {
		// Batch may run this function again after another write in the batch
		// fails, so it derives everything from tx.
		created, match, matchErr = false, false, nil
		current, err := insert(tx, key, encoded, item)
		switch {
		case err != nil:
			return err
		case current == nil:
			created = true
		case matches != nil:
			match, matchErr = matches(current)
		}
		return nil
	})
	if err != nil {
		return false, store.Unavailable(err)
	}
	if created {
		s.feed.notify()
		return true, nil
	}
	return match, matchErr
}

// encode checks item's keys and returns its key in the items bucket and
// its stored form.
func encode(item store.Item) (key, encoded []byte, err error) {
	if err := store.CheckKeys(item); err != nil {
		return nil, nil, err
	}
	return itemKey(item[store.AttrPK].String(), item[store.AttrSK].String()), itemjson.Marshal(item), nil
}

// insert writes item and its INSERT change record unless an item with key
// exists; then it writes nothing and returns the stored item, valid only
// during tx.
func insert(tx *bolt.Tx, key, encoded []byte, item store.Item) ([]byte, error) {
	items := tx.Bucket(itemsBucket)
	if current := items.Get(key); current != nil {
		return current, nil
	}
	if err := items.Put(key, encoded); err != nil {
		return nil, err
	}
	if err := reindex(tx, key, nil, item); err != nil {
		return nil, err
	}
	return nil, appendChange(tx, change{
		name: events.DynamoDBOperationTypeInsert,
		pk:   item[store.AttrPK].String(), sk: item[store.AttrSK].String(),
		new: encoded,
	})
}

// appendChange numbers the record with the bucket's sequence and stores it.
func appendChange(tx *bolt.Tx, c change) error {
	changes := tx.Bucket(changesBucket)
	seq, err := changes.NextSequence()
	if err != nil {
		return err
	}
	c.created = time.Now()
	var key [8]byte
	binary.BigEndian.PutUint64(key[:], seq)
	return changes.Put(key[:], marshalChange(c))
}

func (s *Store) GetWebhook(_ context.Context, provider, eventID string) (store.Webhook, error) {
	item, err := s.get(store.WebhookKey(provider, eventID))
	if err != nil {
		return store.Webhook{}, err
	}
	return store.DecodeWebhook(item)
}
