package forge_test

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"testing"

	"github.com/matryer/is"

	"github.com/payhook/payhook/internal/forge"
)

func TestSameCRC32WritesAValidJSONBodyWithTheGenuineChecksum(t *testing.T) {
	is := is.New(t)
	genuine := []byte(`{"id":"WH-GENUINE","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"CAP-1","amount":{"currency_code":"USD","value":"20.00"}}}`)
	template := []byte(`{"id":"WH-FORGED","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"id":"CAP-1","amount":{"currency_code":"USD","value":"9999.00"},"custom_id":"` + forge.CRC32Placeholder + `"}}`)
	forged, err := forge.SameCRC32(genuine, template)
	is.NoErr(err)
	is.Equal(crc32.ChecksumIEEE(forged), crc32.ChecksumIEEE(genuine))
	is.True(!bytes.Equal(forged, genuine))
	is.True(json.Valid(forged))
	is.Equal(len(forged), len(template)) // only the placeholder changed
}
