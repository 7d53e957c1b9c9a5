{{/* Labels every object carries; selectors use kiln.selector only, so upgrades never change them. */}}
{{- define "kiln.labels" -}}
app.kubernetes.io/part-of: kiln
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "kiln.image" -}}
{{ printf "%s:%s" .Values.image.repository (toString .Values.image.tag) }}
{{- end -}}

{{/* Cluster-scoped names: plain in namespace kiln (as deploy/kubernetes), suffixed elsewhere so two Kilns never share one. */}}
{{- define "kiln.clusterName" -}}
{{- if eq .root.Release.Namespace "kiln" -}}{{ .name }}{{- else -}}{{ printf "%s-%s" .name .root.Release.Namespace }}{{- end -}}
{{- end -}}

{{- define "kiln.databaseSecret" -}}
{{- .Values.database.existingSecret | default "kiln-database" -}}
{{- end -}}

{{- define "kiln.artifactsSecret" -}}
{{- .Values.artifacts.existingSecret | default "kiln-artifacts" -}}
{{- end -}}

{{- define "kiln.adminTokenSecret" -}}
{{- if .Values.adminToken.existingSecret -}}{{ .Values.adminToken.existingSecret }}{{- else if .Values.adminToken.create -}}kiln-admin-token{{- end -}}
{{- end -}}

{{- define "kiln.gpuSlots" -}}
{{- if .Values.gpuWorkers.enabled -}}{{ int .Values.gpuWorkers.slots }}{{- else -}}0{{- end -}}
{{- end -}}

{{/* The parts of a Kiln pod every Deployment shares: identity, security, config, volumes. */}}
{{- define "kiln.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "kiln.envFrom" -}}
envFrom:
  - configMapRef:
      name: kiln-config
  - secretRef:
      name: {{ include "kiln.databaseSecret" . }}
  - secretRef:
      name: {{ include "kiln.artifactsSecret" . }}
{{- end -}}

{{- define "kiln.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
{{- end -}}

{{- define "kiln.pullPolicy" -}}
{{- with .Values.image.pullPolicy }}
imagePullPolicy: {{ . }}
{{- end }}
{{- end -}}
