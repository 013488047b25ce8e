// Service Bus namespace carrying the pipeline's queues in Azure. Local (SAS) authentication is disabled:
// senders and receivers use Microsoft Entra ID (the Function App's managed identity).

@description('Service Bus namespace name.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Queue names, from resource-names.json.')
param queueNames string[]

@description('Queues that need per-key ordering (Service Bus sessions).')
param sessionQueueNames string[]

@description('Deliveries before a message is dead-lettered.')
param maxDeliveryCount int

@description('Peek-lock duration (ISO 8601).')
param lockDuration string

@description('Duplicate detection window (ISO 8601).')
param duplicateDetectionWindow string

@description('Default message time to live (ISO 8601); expired messages are dead-lettered.')
param messageTimeToLive string

@description('Log Analytics workspace receiving the diagnostic logs.')
param logAnalyticsWorkspaceId string

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource queues 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = [
  for queueName in queueNames: {
    parent: namespace
    name: queueName
    properties: {
      maxDeliveryCount: maxDeliveryCount
      lockDuration: lockDuration
      deadLetteringOnMessageExpiration: true
      defaultMessageTimeToLive: messageTimeToLive
      // Every queue carries an idempotency key as the message id, so the broker drops resent duplicates too.
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
      requiresSession: contains(sessionQueueNames, queueName)
      enableBatchedOperations: true
    }
  }
]

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: namespace
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output name string = namespace.name
output id string = namespace.id
// serviceBusEndpoint is https://<name>.servicebus.windows.net:443/ (the host differs in sovereign clouds).
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '/')[2], ':')[0]
