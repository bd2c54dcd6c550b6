// The bodies and answers of the seed's task endpoints (seed 002, "/apps/v1/task/...").
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { TaskDefinitionBody, TaskResponse } from './task.dto';

const MAX_INT = 2_147_483_647;

export class SeedTaskBody extends TaskDefinitionBody {
  @ApiPropertyOptional({ description: '0 or absent: create; otherwise the task_id of the task to update', example: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INT)
  id?: number;

  @ApiProperty({ description: 'The integration’s integration_id', example: 3 })
  @IsInt()
  @Min(1)
  @Max(MAX_INT)
  integration_id: number;

  @ApiPropertyOptional({
    description: 'The caller’s tenant or one it administers (else 404); the acting one when absent',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  tenant_code?: string;
}

export class SeedTaskResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 12 }) task_id: number;
  @ApiProperty({ enum: ['created', 'updated'] }) status: 'created' | 'updated';
  @ApiProperty({ example: 'Task created' }) message: string;
  @ApiProperty({ type: TaskResponse }) task: TaskResponse;
}

export class ValidateTaskDeletionBody {
  @ApiProperty({ description: 'The task’s task_id', example: 12 })
  @IsInt()
  @Min(1)
  @Max(MAX_INT)
  task_id: number;

  @ApiPropertyOptional({ description: 'The integration’s integration_id (when given, the task must belong to it)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT)
  integration_id?: number;

  @ApiPropertyOptional({ description: 'The caller’s tenant or one it administers (else 404)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  tenant_code?: string;
}

export class TaskDependentResponse {
  @ApiProperty({ example: 'task', description: 'task now; chain and case_ingestion when those use tasks' })
  kind: string;
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
}

export class TaskDeletionCheckResponse {
  @ApiProperty() deletable: boolean;
  @ApiProperty({ type: [TaskDependentResponse] }) dependents: TaskDependentResponse[];
}

export class OutputFieldResponse {
  @ApiProperty({ example: 'alerts' }) name: string;
  @ApiProperty({ example: '$.data.alerts[*]' }) path: string;
  @ApiProperty({ example: 'object' }) type: string;
  @ApiProperty() is_array: boolean;
}
