package iamsim

// The demo account's principals (DESIGN.md §5). The permissions runbook
// relies on these facts.
const (
	// DemoPipeline reads and writes app-logs: every action is allowed.
	DemoPipeline = "arn:aws:iam::123456789012:role/log-pipeline"
	// DemoProcessor is app-logs' consumer; its policy names
	// "kinesis:GetRecord" (a typo for GetRecords), so GetRecords is
	// implicitly denied and the consumer cannot read.
	DemoProcessor = "arn:aws:iam::123456789012:role/log-processor"
	// DemoAnalyst may read every stream, but the managed policy
	// DemoDenyWrites explicitly denies writes to production streams.
	DemoAnalyst = "arn:aws:iam::123456789012:role/analytics-readonly"
	// DemoDenyWrites is the explicit Deny policy attached to DemoAnalyst.
	DemoDenyWrites = "arn:aws:iam::123456789012:policy/DenyProductionStreamWrites"
)

const appLogs = "arn:aws:kinesis:*:123456789012:stream/app-logs"

// NewDemo returns the demo account's IAM simulation.
func NewDemo() *Sim {
	s := New()
	s.AddPrincipal(DemoPipeline, Policy{Name: "AppLogsPipeline", Type: "role", Statements: []Statement{
		{Effect: "Allow", Actions: []string{"kinesis:PutRecord", "kinesis:PutRecords"}, Resources: []string{appLogs}},
		{Effect: "Allow", Actions: []string{"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream*", "kinesis:ListShards"}, Resources: []string{appLogs}},
	}})
	s.AddPrincipal(DemoProcessor, Policy{Name: "AppLogsProcessor", Type: "role", Statements: []Statement{
		{Effect: "Allow", Actions: []string{"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:ListShards"}, Resources: []string{appLogs}},
		{Effect: "Allow", Actions: []string{"kinesis:GetShardIterator", "kinesis:GetRecord"}, Resources: []string{appLogs}},
		{Effect: "Allow", Actions: []string{"kinesis:PutRecord", "kinesis:PutRecords"}, Resources: []string{appLogs}},
	}})
	s.AddPrincipal(DemoAnalyst,
		Policy{Name: "arn:aws:iam::aws:policy/AmazonKinesisReadOnlyAccess", Type: "aws-managed", Statements: []Statement{
			{Effect: "Allow", Actions: []string{"kinesis:Get*", "kinesis:List*", "kinesis:Describe*"}, Resources: []string{"*"}},
		}},
		Policy{Name: DemoDenyWrites, Type: "user-managed", Statements: []Statement{
			{Effect: "Deny", Actions: []string{"kinesis:Put*"}, Resources: []string{"arn:aws:kinesis:*:123456789012:stream/*"}},
		}})
	return s
}
