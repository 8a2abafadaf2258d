package aws

import (
	"context"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// Ping asks for one stream name: enough to prove the credentials, region
// and endpoint work, for the target list's health column.
func (b *Backend) Ping(ctx context.Context) error {
	_, err := b.kinesis.ListStreams(ctx, &kinesis.ListStreamsInput{Limit: sdkaws.Int32(1)})
	if err != nil {
		return b.where.classify(err, "listing Kinesis streams")
	}
	return nil
}
