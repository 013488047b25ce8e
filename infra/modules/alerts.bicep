// Operator alerting: an action group, a metric alert on Service Bus dead letters, log alerts on the pipeline's
// business metrics (customMetrics written by the app's OpenTelemetry exporter) and a pipeline health workbook.

@description('Prefix of the alert rule names.')
param namePrefix string

@description('Action group name.')
param actionGroupName string

@description('Azure region of the log alerts and the workbook.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Email address notified by every alert.')
param alertEmail string

@description('Application Insights component the log alerts query and the workbook opens on.')
param appInsightsId string

@description('Service Bus namespace watched for dead-lettered messages.')
param serviceBusNamespaceId string

@description('Open exceptions per owner above which the owner is alerted.')
param openExceptionsThreshold int

@description('Oldest queued message age, in seconds, above which queue lag is alerted.')
param queueAgeThresholdSeconds int

@description('Failed request percentage above which the failure rate is alerted.')
param failureRateThresholdPercent int

var logAlerts = [
  {
    key: 'exceptions-by-owner'
    displayName: 'Open exceptions by owner'
    description: 'Open pipeline exceptions (unmapped SKUs, rejected postings, reconciliation findings) per owner.'
    severity: 3
    frequency: 'PT15M'
    window: 'PT15M'
    query: 'customMetrics | where name == "retail.exceptions.open" | extend owner = tostring(customDimensions["owner"]) | summarize OpenExceptions = max(valueMax) by owner'
    measure: 'OpenExceptions'
    aggregation: 'Maximum'
    dimension: 'owner'
    threshold: openExceptionsThreshold
  }
  {
    key: 'oversell'
    displayName: 'Oversell'
    description: 'Units sold beyond available stock. Any oversell is an incident.'
    severity: 1
    frequency: 'PT5M'
    window: 'PT5M'
    query: 'customMetrics | where name == "retail.oversell.units" | summarize Units = sum(valueSum)'
    measure: 'Units'
    aggregation: 'Total'
    dimension: ''
    threshold: 0
  }
  {
    key: 'reconciliation-differences'
    displayName: 'Reconciliation differences'
    description: 'The nightly reconciliation found ledgers that disagree (POS totals, sales, settlements, ERP postings, stock).'
    severity: 2
    frequency: 'PT1H'
    window: 'PT1H'
    query: 'customMetrics | where name == "retail.reconciliation.differences" | summarize Differences = sum(valueSum)'
    measure: 'Differences'
    aggregation: 'Total'
    dimension: ''
    threshold: 0
  }
  {
    key: 'failure-rate'
    displayName: 'Request failure rate'
    description: 'Percentage of failed requests (at least 10 requests in the window).'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'requests | summarize Total = count(), Failed = countif(success == false) | where Total >= 10 | extend FailedPercent = 100.0 * Failed / Total | project FailedPercent'
    measure: 'FailedPercent'
    aggregation: 'Maximum'
    dimension: ''
    threshold: failureRateThresholdPercent
  }
  {
    key: 'queue-age'
    displayName: 'Queue age'
    description: 'Age of the oldest message waiting in a pipeline queue.'
    severity: 2
    frequency: 'PT5M'
    window: 'PT5M'
    query: 'customMetrics | where name == "retail.queue.age_seconds" | extend queue = tostring(customDimensions["queue"]) | summarize AgeSeconds = max(valueMax) by queue'
    measure: 'AgeSeconds'
    aggregation: 'Maximum'
    dimension: 'queue'
    threshold: queueAgeThresholdSeconds
  }
]

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'retail-ops'
    enabled: true
    emailReceivers: [
      {
        name: 'operators'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${namePrefix}-dead-letters'
  location: 'global'
  tags: tags
  properties: {
    description: 'Messages were dead-lettered on a pipeline queue: inspect the reason and replay.'
    severity: 2
    enabled: true
    scopes: [
      serviceBusNamespaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DeadLetteredMessages'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

resource logAlertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in logAlerts: {
    name: '${namePrefix}-${rule.key}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      scopes: [
        appInsightsId
      ]
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: rule.aggregation
            metricMeasureColumn: rule.measure
            dimensions: empty(rule.dimension)
              ? []
              : [
                  {
                    name: rule.dimension
                    operator: 'Include'
                    values: [
                      '*'
                    ]
                  }
                ]
            operator: 'GreaterThan'
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, namePrefix, 'pipeline-health')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Retail pipeline health'
    category: 'workbook'
    sourceId: appInsightsId
    serializedData: loadTextContent('../workbooks/pipeline-health.json')
    version: '1.0'
  }
}

output actionGroupId string = actionGroup.id
output workbookId string = workbook.id
output alertRuleNames string[] = concat([deadLetters.name], map(logAlerts, rule => '${namePrefix}-${rule.key}'))
