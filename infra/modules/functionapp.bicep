// Function App on the Flex Consumption plan (.NET 10 isolated worker), running as a user-assigned managed
// identity. Every connection is identity-based and every secret is a Key Vault reference.

@description('Function App name.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Resource id of the user-assigned managed identity.')
param identityId string

@description('Client id of the user-assigned managed identity.')
param identityClientId string

@description('Storage account name (AzureWebJobsStorage and the pipeline storage).')
param storageAccountName string

@description('Blob endpoint of the storage account.')
param storageBlobEndpoint string

@description('Queue endpoint of the storage account.')
param storageQueueEndpoint string

@description('Table endpoint of the storage account.')
param storageTableEndpoint string

@description('URL of the blob container the app package is deployed from.')
param deploymentContainerUrl string

@description('Service Bus fully qualified namespace (<name>.servicebus.windows.net).')
param serviceBusFullyQualifiedNamespace string

@description('Application Insights connection string (an ingestion address and key, not a credential).')
param appInsightsConnectionString string

@description('Key Vault URI, ending with a slash.')
param keyVaultUri string

@description('Key Vault secret names of the accepted Shopify webhook secrets, in order; two during a rotation.')
param shopifyWebhookSecretNames string[]

@description('Connector credentials: app setting name and the Key Vault secret name it references.')
param connectorSecrets {
  setting: string
  secretName: string
}[]

@description('Plain, non-secret pipeline settings merged into the app settings.')
param pipelineSettings object

@description('Entra ID app registration client id for App Service authentication; empty leaves it off.')
param entraClientId string

@description('Memory of each instance, in MB.')
param instanceMemoryMB int

@description('Upper bound of instances the plan scales out to.')
param maximumInstanceCount int

@description('Log Analytics workspace receiving the diagnostic logs.')
param logAnalyticsWorkspaceId string

var identitySettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  Storage__blobServiceUri: storageBlobEndpoint
  Storage__queueServiceUri: storageQueueEndpoint
  Storage__tableServiceUri: storageTableEndpoint
  Storage__credential: 'managedidentity'
  Storage__clientId: identityClientId
  ServiceBus__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBus__credential: 'managedidentity'
  ServiceBus__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  AZURE_CLIENT_ID: identityClientId
}

// Shopify__WebhookSecrets__0, __1, ...: resolved from Key Vault by the platform with the managed identity.
var webhookSecretSettings = toObject(
  range(0, length(shopifyWebhookSecretNames)),
  i => 'Shopify__WebhookSecrets__${i}',
  i => '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${shopifyWebhookSecretNames[i]})'
)

var connectorSecretSettings = toObject(
  connectorSecrets,
  c => c.setting,
  c => '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${c.secretName})'
)

// With Entra ID on, the API reads the caller's app roles from the principal App Service authentication validated.
var callerSettings = empty(entraClientId) ? {} : { Api__IdentitySource: 'entra' }

var appSettings = union(pipelineSettings, identitySettings, webhookSecretSettings, connectorSecretSettings, callerSettings)

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: appSettings
}

// Tokens are validated by the platform, which also strips any X-MS-CLIENT-PRINCIPAL a caller sends itself.
// Anonymous requests still pass: the Shopify webhook signs its own and every other route needs a function key.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = if (!empty(entraClientId)) {
  parent: app
  name: 'authsettingsV2'
  properties: {
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${entraClientId}'
          ]
        }
      }
    }
    platform: {
      enabled: true
    }
  }
}

resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: app
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

output name string = app.name
output id string = app.id
output defaultHostName string = app.properties.defaultHostName
output appSettingNames string[] = objectKeys(appSettings)
